"""HTTP API: admin REST, health; later the storefront's public API, embed and webhooks."""
