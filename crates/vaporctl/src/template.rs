//! `template create`: the request from a JSON or YAML file, flags, or both.
//!
//! The file holds a `TemplateCreateRequest` as the API defines it; each flag
//! sets one field, over the file's. A field the API does not have is refused
//! here (the generated model would drop it silently), as the server would.

use std::io::Read;
use std::path::Path;

use serde_json::{Map, Value};
use vapor_client::models::TemplateCreateRequest;

use crate::cli::TemplateCreate;
use crate::error::{CliError, Result};
use crate::output::to_value;

/// The request the command line describes.
pub fn request(args: &TemplateCreate) -> Result<TemplateCreateRequest> {
    let mut fields = match &args.file {
        Some(path) => read_file(path)?,
        None => Map::new(),
    };
    let f = &mut fields;
    put(f, "name", args.name.as_ref());
    put(f, "display_name", args.display_name.as_ref());
    put(f, "description", args.description.as_ref());
    put(f, "os_type", args.os_type.as_ref());
    put(f, "os_variant", args.os_variant.as_ref());
    put(f, "min_memory", args.min_memory.as_ref());
    put(f, "recommended_memory", args.memory.as_ref());
    put(f, "min_vcpus", args.min_vcpus.as_ref());
    put(f, "recommended_vcpus", args.vcpus.as_ref());
    put(f, "min_disk", args.min_disk.as_ref());
    put(f, "recommended_disk", args.disk.as_ref());
    put(f, "disk_bus", args.disk_bus.as_ref());
    put(f, "network_model", args.nic_model.as_ref());
    put(f, "cloud_init_support", args.cloud_init.then_some(&true));
    put(f, "default_user", args.default_user.as_ref());
    put(f, "icon", args.icon.as_ref());
    put(f, "is_active", args.inactive.then_some(&false));
    put(f, "tags", Some(&args.tags).filter(|t| !t.is_empty()));
    let features = [
        ("uefi", args.uefi.then_some(true)),
        ("secure_boot", args.secure_boot.then_some(true)),
        ("tpm", args.tpm.then_some(true)),
        ("virtio_drivers", args.no_virtio_drivers.then_some(false)),
    ];
    if features.iter().any(|(_, v)| v.is_some()) {
        let entry = fields
            .entry("features")
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(map) = entry else {
            return Err(CliError::Usage(
                "template: `features` is not an object".into(),
            ));
        };
        for (key, value) in features {
            if let Some(value) = value {
                map.insert(key.into(), Value::Bool(value));
            }
        }
    }
    let given = Value::Object(fields);
    let request: TemplateCreateRequest = serde_json::from_value(given.clone()).map_err(|e| {
        CliError::Usage(format!(
            "template: {e} (the required fields are name, display_name, os_type and os_variant: \
             give --name, --display-name, --os-type and --os-variant, or put them in --file)"
        ))
    })?;
    let mut unknown = Vec::new();
    unknown_fields(&given, &to_value(&request)?, "", &mut unknown);
    if !unknown.is_empty() {
        return Err(CliError::Usage(format!(
            "template: not a field of a template: {}",
            unknown.join(", ")
        )));
    }
    Ok(request)
}

/// The file's object; `-` reads stdin. JSON for `.json`, else YAML (which
/// reads JSON too).
fn read_file(path: &Path) -> Result<Map<String, Value>> {
    let text = if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| CliError::Other(format!("{}: {e}", path.display())))?
    };
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let value: Value = if is_json {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    } else {
        serde_yaml::from_str(&text).map_err(|e| e.to_string())
    }
    .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(CliError::Usage(format!(
            "{}: a template is an object (name, display_name, os_type, os_variant, ...)",
            path.display()
        ))),
    }
}

/// Keys of `given` (and of its objects) that did not survive the round trip
/// through the model, other than nulls.
fn unknown_fields(given: &Value, kept: &Value, prefix: &str, out: &mut Vec<String>) {
    let (Value::Object(given), Value::Object(kept)) = (given, kept) else {
        return;
    };
    for (key, value) in given {
        let path = format!("{prefix}{key}");
        match kept.get(key) {
            None if !value.is_null() => out.push(path),
            Some(inner) => unknown_fields(value, inner, &format!("{path}."), out),
            None => {}
        }
    }
}

/// Sets `key` to a flag's value, when the flag was given.
fn put<T: serde::Serialize>(fields: &mut Map<String, Value>, key: &str, value: Option<&T>) {
    if let Some(value) = value.and_then(|v| serde_json::to_value(v).ok()) {
        fields.insert(key.to_owned(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<TemplateCreateRequest> {
        #[derive(Parser)]
        struct T {
            #[command(flatten)]
            args: TemplateCreate,
        }
        let t = T::try_parse_from(std::iter::once("t").chain(args.iter().copied())).unwrap();
        request(&t.args)
    }

    #[test]
    fn flags_make_a_request_and_override_a_file() {
        let r = parse(&[
            "--name",
            "deb",
            "--display-name",
            "Debian",
            "--os-type",
            "linux",
            "--os-variant",
            "debian12",
            "--memory",
            "1024",
            "--uefi",
            "--tag",
            "a,b",
        ])
        .unwrap();
        assert_eq!(r.recommended_memory, Some(1024));
        assert_eq!(r.features.unwrap().uefi, Some(true));
        assert_eq!(r.tags.unwrap(), ["a", "b"]);

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.yaml");
        std::fs::write(
            &file,
            "name: deb\ndisplay_name: Debian\nos_type: linux\nos_variant: debian12\n\
             features: {tpm: true}\n",
        )
        .unwrap();
        let r = parse(&[
            "--file",
            file.to_str().unwrap(),
            "--name",
            "other",
            "--uefi",
        ])
        .unwrap();
        assert_eq!(r.name, "other");
        let features = r.features.unwrap();
        assert_eq!((features.tpm, features.uefi), (Some(true), Some(true)));
    }

    #[test]
    fn missing_and_unknown_fields_are_usage_errors() {
        let e = parse(&["--name", "deb"]).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{e}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.json");
        std::fs::write(
            &file,
            r#"{"name": "x", "display_name": "X", "os_type": "linux", "os_variant": "v",
                "colour": "red", "features": {"wings": true}}"#,
        )
        .unwrap();
        let e = parse(&["--file", file.to_str().unwrap()]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string().contains("colour") && e.to_string().contains("features.wings"),
            "{e}"
        );
    }
}
