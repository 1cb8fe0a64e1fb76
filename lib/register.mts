// The ESM entry of listenconfig/register: loads the CommonJS hook, so
// `--import` and `--require` install the same one, once.
import './register.js';
