// What the Docker engine says when a registry fails it, in one place: the builder (pulling base
// images) and the pusher classify a registry failure by these same patterns.
export const REGISTRY_UNREACHABLE = /connection refused|no such host|i\/o timeout|dial tcp|TLS handshake|server gave HTTP response|network is unreachable|EOF$/i;
export const REGISTRY_TLS = /x509|certificate|tls:/i;
export const REGISTRY_UNAUTHORIZED = /unauthorized|authentication required|no basic auth credentials|incorrect username or password|denied|forbidden/i;
export const IMAGE_NOT_FOUND = /not found|manifest unknown|repository does not exist|no such image|name unknown/i;
