// The panel's styles, inside the launcher's shadow root. Text #1f2937 on white is 14.7:1 and
// the muted #4b5563 7.6:1; merchant colours come in as variables already checked for 4.5:1.
export const PANEL_CSS = `
.lly-root{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937}
.lly-backdrop{position:fixed;inset:0;z-index:2147483001;background:rgba(17,24,39,.35)}
.lly-dialog{position:fixed;bottom:84px;z-index:2147483002;box-sizing:border-box;display:flex;flex-direction:column;width:380px;max-width:calc(100vw - 24px);max-height:min(680px,calc(100vh - 104px));background:#fff;border-radius:14px;box-shadow:0 12px 32px rgba(0,0,0,.3);overflow:hidden}
.lly-dialog.lly-bottom-right{right:20px}
.lly-dialog.lly-bottom-left{left:20px}
.lly-dialog:focus{outline:none}
@media (max-width:480px){.lly-dialog.lly-bottom-right,.lly-dialog.lly-bottom-left{inset:0;width:auto;max-width:none;max-height:none;border-radius:0}}
@media (prefers-reduced-motion:no-preference){.lly-dialog{animation:lly-in .18s ease-out}@keyframes lly-in{from{opacity:0;transform:translateY(8px)}}}
.lly-head{display:flex;align-items:center;justify-content:space-between;gap:8px;padding:14px 16px;background:var(--lly-accent);color:var(--lly-on-accent)}
.lly-head h2{margin:0;font-size:18px;font-weight:700}
.lly-close{width:40px;height:40px;border:0;border-radius:20px;background:transparent;color:inherit;font-size:26px;line-height:1;cursor:pointer}
.lly-body{padding:12px 16px 20px;overflow:auto}
.lly-nav{display:flex;flex-wrap:wrap;gap:6px;margin:0 0 8px;padding:0;list-style:none}
.lly-nav button{min-height:36px;padding:4px 10px;border:1px solid #d1d5db;border-radius:18px;background:#fff;color:#1f2937;font:inherit;font-size:14px;cursor:pointer}
.lly-nav button[aria-current=page]{border-color:var(--lly-accent-text);background:var(--lly-accent-text);color:#fff}
.lly-h3{margin:14px 0 8px;font-size:16px;font-weight:700}
.lly-h3:focus{outline:none}
.lly-h3:focus-visible{outline:2px solid var(--lly-accent-text);outline-offset:2px}
.lly-h4{margin:14px 0 6px;font-size:15px;font-weight:700}
.lly-share{display:flex;flex-wrap:wrap;gap:8px;margin:0;padding:0;list-style:none}
.lly-big-offer{margin:6px 0;font-size:20px;font-weight:800}
.lly-muted{color:#4b5563;font-size:14px}
.lly-balance{display:flex;flex-direction:column;gap:2px;padding:14px;border-radius:10px;background:#f3f4f6}
.lly-balance+.lly-balance{margin-top:8px}
.lly-big{font-size:28px;font-weight:800}
.lly-list{margin:10px 0;padding-left:20px}
.lly-steps{margin:8px 0 12px;padding-left:22px}
.lly-cards{display:flex;flex-direction:column;gap:8px;margin:0;padding:0;list-style:none}
.lly-card{padding:12px;border:1px solid #e5e7eb;border-radius:10px}
.lly-card p{margin:6px 0}
.lly-card>.lly-h3:first-child{margin-top:0}
.lly-row{display:flex;justify-content:space-between;align-items:baseline;gap:8px}
.lly-row>span{flex:none;white-space:nowrap}
.lly-row>strong,.lly-row>.lly-who{flex:0 1 auto;min-width:0;white-space:normal;overflow-wrap:anywhere}
.lly-actions{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0 0}
.lly-primary,.lly-btn2{display:inline-flex;align-items:center;justify-content:center;box-sizing:border-box;min-height:40px;margin-top:6px;padding:6px 14px;border-radius:8px;font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
.lly-primary{border:2px solid var(--lly-accent);background:var(--lly-accent);color:var(--lly-on-accent)}
.lly-btn2{border:2px solid var(--lly-accent-text);background:#fff;color:var(--lly-accent-text)}
.lly-primary[aria-disabled=true],.lly-btn2[aria-disabled=true]{cursor:progress;opacity:.75}
button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid var(--lly-accent-text);outline-offset:2px}
.lly-head .lly-close:focus-visible{outline-color:var(--lly-on-accent)}
.lly-form{display:flex;flex-direction:column;gap:4px;margin-top:8px}
.lly-form input,.lly-form select{min-height:40px;padding:4px 8px;border:1px solid #6b7280;border-radius:6px;font:inherit;color:#1f2937;background:#fff}
.lly-badge{display:inline-block;padding:2px 8px;border-radius:10px;background:#e5e7eb;color:#1f2937;font-size:13px;font-weight:600}
.lly-ok{background:#d1fae5;color:#064e3b}
.lly-code{margin:6px 0;font:700 18px/1.3 ui-monospace,SFMono-Regular,Menlo,monospace;letter-spacing:.04em;user-select:all}
.lly-plus{color:#065f46;font-weight:700}
.lly-minus{color:#991b1b;font-weight:700}
.lly-error{margin:8px 0;padding:8px 10px;border-radius:6px;background:#fef2f2;color:#991b1b}
.lly-sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
`;
