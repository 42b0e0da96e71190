// The API page's console: Swagger UI over the document at data-schema-url.
// Loaded from this site (no inline script), after swagger-ui-bundle.js.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var target = document.getElementById("swagger-ui");
  if (!target || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: target.dataset.schemaUrl,
    domNode: target,
    deepLinking: false,
    docExpansion: "list", // every operation listed, each opened on demand
    defaultModelsExpandDepth: 0,
    supportedSubmitMethods: ["get"],
    validatorUrl: null,
    tryItOutEnabled: true,
  });
});
