// Vapor's API reference page: Swagger UI (loaded by the page from Vapor
// itself) over the spec this server serves at /api/v1/openapi.json.
"use strict";

window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  displayOperationId: true,
  displayRequestDuration: true,
  docExpansion: "list",
  filter: true,
  // The default sends the spec to an outside validator: nothing leaves Vapor.
  validatorUrl: null,
  // A token pasted into "Authorize" is kept only as long as the page.
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
