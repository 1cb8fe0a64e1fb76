// The ESM entry re-exports the CommonJS build (Node finds its named exports
// statically), so both module systems share one copy of the package: no
// dual-package hazard, one ErrClosed, one instanceof.
export * from './index.js';
