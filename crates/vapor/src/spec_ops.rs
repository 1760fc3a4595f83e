//! The operations of the spec compiled into the binary
//! ([`crate::api_spec::SPEC_YAML`]), and which one a request is for.
//!
//! The generated router sits behind a fallback, so the route it matched is
//! not visible to middleware; the middleware that need the operation (the
//! audit log, the request metrics, `Idempotency-Key`) match the request
//! against the spec here instead.

use std::sync::OnceLock;

/// The API's prefix: the spec's `servers` URL.
const PREFIX: &str = "/api/v1";

/// The `$ref` of the `Idempotency-Key` header parameter.
const IDEMPOTENCY_KEY_REF: &str = "#/components/parameters/IdempotencyKey";

/// The methods an OpenAPI path item may hold operations under.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SpecOperation {
    /// Upper case, e.g. `POST`.
    pub method: String,
    /// The full path template, e.g. `/api/v1/virtualization/networks/{name}`.
    pub route: String,
    /// The `operationId`.
    pub id: String,
    /// Whether the operation declares the `Idempotency-Key` header.
    pub idempotency_key: bool,
}

impl SpecOperation {
    /// Whether `path` fits the template: the same number of segments, each
    /// literal one equal, each `{parameter}` non-empty.
    fn matches(&self, path: &str) -> bool {
        let (mut route, mut path) = (self.route.split('/'), path.split('/'));
        loop {
            match (route.next(), path.next()) {
                (None, None) => return true,
                (Some(r), Some(p)) if r.starts_with('{') => {
                    if p.is_empty() {
                        return false;
                    }
                }
                (Some(r), Some(p)) if r == p => {}
                _ => return false,
            }
        }
    }

    fn literal_segments(&self) -> usize {
        self.route
            .split('/')
            .filter(|s| !s.starts_with('{'))
            .count()
    }
}

/// Every operation of the built-in spec.
pub(crate) fn operations() -> &'static [SpecOperation] {
    static OPS: OnceLock<Vec<SpecOperation>> = OnceLock::new();
    OPS.get_or_init(|| match operations_in(crate::api_spec::SPEC_YAML) {
        Ok(ops) => ops,
        Err(message) => {
            // Tests read the same spec and fail; a binary that got this far
            // serves on, without operation names.
            tracing::error!(error = %message, "the built-in spec's operations cannot be read");
            Vec::new()
        }
    })
}

/// The operation a request is for: of the operations with its method whose
/// path fits, the one with the most literal segments, as the router chooses
/// (`.../virtualmachines/create-enhanced` over `.../virtualmachines/{id}`).
pub(crate) fn operation_for(method: &str, path: &str) -> Option<&'static SpecOperation> {
    operations()
        .iter()
        .filter(|op| op.method == method && op.matches(path))
        .max_by_key(|op| op.literal_segments())
}

/// The `operationId` of the spec's operation a request is for, if any (the
/// label of the request metrics, [`crate::prometheus`]).
pub(crate) fn operation_id(method: &str, path: &str) -> Option<&'static str> {
    operation_for(method, path).map(|op| op.id.as_str())
}

/// Reads the operations of an OpenAPI 3 document.
fn operations_in(spec: &str) -> Result<Vec<SpecOperation>, String> {
    let doc: serde_yaml::Value = serde_yaml::from_str(spec).map_err(|e| e.to_string())?;
    let paths = doc
        .get("paths")
        .and_then(|p| p.as_mapping())
        .ok_or("the spec has no paths")?;
    let mut ops = Vec::new();
    for (path, item) in paths {
        let path = path.as_str().ok_or("a path is not a string")?;
        // Parameters of the path item apply to each of its operations.
        let shared = declares_idempotency_key(item);
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let id = op
                .get("operationId")
                .and_then(|id| id.as_str())
                .ok_or_else(|| format!("{method} {path} has no operationId"))?;
            ops.push(SpecOperation {
                method: method.to_ascii_uppercase(),
                route: format!("{PREFIX}{path}"),
                id: id.to_owned(),
                idempotency_key: shared || declares_idempotency_key(op),
            });
        }
    }
    Ok(ops)
}

/// Whether a path item's or an operation's `parameters` refer to the
/// `Idempotency-Key` header.
fn declares_idempotency_key(node: &serde_yaml::Value) -> bool {
    node.get("parameters")
        .and_then(|p| p.as_sequence())
        .is_some_and(|params| {
            params
                .iter()
                .any(|p| p.get("$ref").and_then(|r| r.as_str()) == Some(IDEMPOTENCY_KEY_REF))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_spec_is_known() {
        assert_eq!(
            operations().len(),
            crate::api_spec::SPEC_YAML.matches("operationId:").count()
        );
        let vms = "/api/v1/virtualization/virtualmachines";
        assert_eq!(
            operation_id("POST", &format!("{vms}/web/action")),
            Some("vm_action")
        );
        assert_eq!(operation_id("POST", vms), Some("vm_create"));
        assert_eq!(
            operation_id("POST", &format!("{vms}/create-enhanced")),
            Some("vm_create_enhanced"),
            "a literal segment wins over a parameter"
        );
        assert_eq!(
            operation_id("DELETE", &format!("{vms}/web")),
            Some("vm_delete")
        );
        assert_eq!(operation_id("GET", "/api/v1/audit"), Some("audit_list"));
        assert_eq!(
            operation_id("DELETE", "/api/v1/virtualization/networks/lan"),
            Some("network_delete")
        );
        assert_eq!(
            operation_id("DELETE", "/api/v1/virtualization/networks/"),
            None
        );
        assert_eq!(operation_id("POST", "/api/v1/nowhere"), None);
        assert_eq!(operation_id("PATCH", &format!("{vms}/web")), None);
    }

    #[test]
    fn operations_that_declare_the_idempotency_key_are_known() {
        let declares = |method: &str, path: &str| {
            operation_for(method, path)
                .unwrap_or_else(|| panic!("{method} {path} is an operation"))
                .idempotency_key
        };
        let vms = "/api/v1/virtualization/virtualmachines";
        assert!(declares("POST", vms));
        assert!(declares("POST", &format!("{vms}/create-enhanced")));
        assert!(declares("POST", &format!("{vms}/web/clone")));
        assert!(declares("POST", "/api/v1/virtualization/networks"));
        assert!(!declares("POST", &format!("{vms}/web/action")));
        assert!(!declares("GET", vms));
        assert!(!declares("DELETE", &format!("{vms}/web")));
        let declared = operations().iter().filter(|op| op.idempotency_key);
        assert_eq!(
            declared.clone().count(),
            crate::api_spec::SPEC_YAML
                .matches(&format!("$ref: \"{IDEMPOTENCY_KEY_REF}\""))
                .count()
        );
        assert!(declared.clone().all(|op| op.method == "POST"));
    }

    #[test]
    fn path_item_parameters_apply_to_each_operation() {
        let spec = r##"
paths:
  /things:
    parameters:
      - $ref: "#/components/parameters/IdempotencyKey"
    post:
      operationId: thing_create
    put:
      operationId: thing_put
  /others:
    post:
      operationId: other_create
      parameters:
        - $ref: "#/components/parameters/IfMatch"
"##;
        let ops = operations_in(spec).unwrap();
        let flags: Vec<_> = ops
            .iter()
            .map(|op| (op.method.as_str(), op.id.as_str(), op.idempotency_key))
            .collect();
        assert_eq!(
            flags,
            [
                ("PUT", "thing_put", true),
                ("POST", "thing_create", true),
                ("POST", "other_create", false)
            ]
        );
        assert_eq!(ops[0].route, "/api/v1/things");
        assert!(operations_in("paths: 3").is_err());
        assert!(operations_in("paths:\n  /x:\n    get: {}\n").is_err());
    }
}
