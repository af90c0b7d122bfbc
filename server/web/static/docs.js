// Starts Swagger UI on /docs (server/web/api_docs.py); a static file so the page needs no inline script.
(function () {
  "use strict";
  var element = document.getElementById("swagger-ui");
  SwaggerUIBundle({
    url: element.getAttribute("data-openapi"),
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
    deepLinking: true
  });
})();
