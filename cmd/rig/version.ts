/** The version string `rig --version` prints; kept in step with package.json by `make build`. */
export const VERSION = '0.1.0';
