// Injected once by the launcher, so the storefront loads a single file.
// The button has a fixed size and position, so it never shifts the page's layout.
export const CSS = `
.lly-btn{position:fixed;right:20px;bottom:20px;z-index:2147483000;box-sizing:border-box;width:128px;height:48px;margin:0;padding:0 16px;border:0;border-radius:24px;background:#1a1a1a;color:#fff;font:600 15px/48px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;text-align:center;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;cursor:pointer;box-shadow:0 4px 12px rgba(0,0,0,.2)}
.lly-btn:focus-visible{outline:3px solid #5c9dff;outline-offset:2px}
.lly-panel{position:fixed;right:20px;bottom:80px;z-index:2147483000;box-sizing:border-box;width:300px;max-width:calc(100vw - 40px);padding:16px;border-radius:12px;background:#fff;color:#1a1a1a;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;box-shadow:0 8px 24px rgba(0,0,0,.2)}
.lly-panel[hidden]{display:none}
.lly-title{margin:0 0 8px;font-size:16px;font-weight:600}
.lly-balance{margin:0;font-size:22px;font-weight:700}
.lly-msg{margin:0}
.lly-err{margin:0;color:#8e1f0b}
.lly-panel a{color:inherit}
`;
