// Kept in step with package.json by the build (scripts/build-node.mjs checks it).
export const version = '0.1.0';
