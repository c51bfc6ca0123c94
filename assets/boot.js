// Starts the app: loads the wasm-bindgen module trunk built and runs it.
//
// The page's Content-Security-Policy allows no inline script, so this file
// replaces the inline loader trunk would write (Trunk.toml's
// `pattern_script` points here and names the built files).
const tag = document.querySelector('script[data-wasm]');
const { default: init } = await import(tag.dataset.js);
await init({ module_or_path: tag.dataset.wasm });
