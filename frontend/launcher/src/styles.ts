// The button's styles, inside the launcher's shadow root. Fixed position and a fixed height
// from the first paint: the button takes no room in the page's flow, so it shifts nothing.
export const CSS = `
:host{all:initial}
.lly-btn{position:fixed;bottom:20px;z-index:2147483000;box-sizing:border-box;display:inline-flex;align-items:center;gap:8px;height:48px;max-width:220px;margin:0;padding:0 18px;border:0;border-radius:24px;background:var(--lly-accent);color:var(--lly-on-accent);font:600 15px/1 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;cursor:pointer;box-shadow:0 4px 12px rgba(0,0,0,.25)}
.lly-bottom-right{right:20px}
.lly-bottom-left{left:20px}
.lly-btn svg{width:20px;height:20px;flex:none}
.lly-btn span{overflow:hidden;text-overflow:ellipsis}
.lly-btn:focus-visible{outline:3px solid #1a56db;outline-offset:3px;box-shadow:0 0 0 6px #fff}
.lly-btn[aria-busy=true]{cursor:progress}
@media (prefers-reduced-motion:no-preference){.lly-btn{transition:transform .15s}.lly-btn:hover{transform:translateY(-1px)}}
`;
