/** The page's inline style: Slack's look (Lato-ish sans, aubergine accents, grey thread bar). */
export const PAGE_CSS = `
* { box-sizing: border-box; }
body { margin: 0; background: #f8f8f8; color: #1d1c1d; font: 15px/1.46 -apple-system, "Segoe UI", Lato, Helvetica, Arial, sans-serif; }
.channel { max-width: 860px; margin: 0 auto; background: #fff; min-height: 100vh; padding: 0 0 40px; border-left: 1px solid #ddd; border-right: 1px solid #ddd; }
.channel-header { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ddd; padding: 12px 20px; font-weight: 900; font-size: 18px; z-index: 1; }
.channel-header span { font-weight: 400; font-size: 13px; color: #616061; margin-left: 12px; }
.caption { margin: 18px 20px 6px; padding: 6px 10px; color: #616061; font-size: 13px; font-style: italic; border-left: 3px solid #d1d1d1; }
.message { display: block; padding: 8px 20px; }
.message:hover { background: #f8f8f8; }
.author { display: flex; align-items: center; gap: 8px; margin-bottom: 2px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #4a154b; color: #fff; font-weight: 700; font-size: 13px; display: inline-flex; align-items: center; justify-content: center; }
.app { font-size: 10px; background: #e8e8e8; color: #616061; padding: 1px 3px; border-radius: 2px; font-weight: 700; }
.label { color: #616061; font-size: 12px; }
.content { margin-left: 44px; }
.message-version.updated { border-left: 4px solid #e8a723; }
.message-version.posted { border-left: 4px solid #2bac76; }
.thread { margin-left: 56px; border-left: 2px solid #dddddd; }
.ephemeral { background: #f4ede4; border-left: 4px solid #1264a3; }
.ephemeral .label { color: #1264a3; font-weight: 700; }
.block { margin: 4px 0; }
.section { display: flex; gap: 12px; align-items: flex-start; }
.section-body { flex: 1; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin-top: 4px; }
.context { color: #616061; font-size: 13px; }
.header { font-size: 18px; font-weight: 900; margin: 8px 0; }
.divider { border: 0; border-top: 1px solid #ddd; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; }
.button { display: inline-block; border: 1px solid #bbb; border-radius: 4px; padding: 3px 12px; font-weight: 700; font-size: 14px; background: #fff; }
.button.primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.button.danger { background: #e01e5a; border-color: #e01e5a; color: #fff; }
.mention { background: #e8f5fa; color: #1264a3; border-radius: 3px; padding: 0 2px; }
a { color: #1264a3; }
code { font: 12px Monaco, Menlo, Consolas, monospace; color: #e01e5a; background: #f6f6f6; border: 1px solid #ddd; border-radius: 3px; padding: 0 3px; }
pre { font: 12px Monaco, Menlo, Consolas, monospace; background: #f6f6f6; border: 1px solid #ddd; border-radius: 4px; padding: 8px; white-space: pre-wrap; }
pre code { border: 0; padding: 0; color: inherit; }
blockquote { border-left: 4px solid #ddd; margin: 0; padding-left: 10px; }
.file-card { display: flex; gap: 10px; align-items: center; border: 1px solid #ddd; border-radius: 8px; padding: 8px 12px; margin-top: 6px; max-width: 420px; }
.file-icon { background: #3b5998; color: #fff; border-radius: 4px; padding: 8px 6px; font-size: 11px; font-weight: 700; }
.file-name { font-weight: 700; word-break: break-all; }
.file-size { color: #616061; font-size: 12px; }
.modal { margin: 12px auto; width: 520px; border-radius: 8px; box-shadow: 0 4px 18px rgba(0,0,0,.25); background: #fff; border: 1px solid #ccc; }
.modal-version { font-size: 11px; text-transform: uppercase; color: #616061; padding: 6px 20px 0; }
.modal-title { font-size: 20px; font-weight: 900; padding: 8px 20px 12px; border-bottom: 1px solid #ddd; display: flex; justify-content: space-between; }
.modal-x { color: #616061; font-weight: 400; }
.modal-body { padding: 12px 20px; }
.modal-buttons { display: flex; justify-content: flex-end; gap: 8px; padding: 12px 20px; border-top: 1px solid #ddd; }
.input { margin: 14px 0; }
.input label { display: block; font-weight: 700; margin-bottom: 4px; }
.optional { font-weight: 400; color: #616061; }
.hint { color: #616061; font-size: 13px; margin-top: 4px; }
.select, .text-input { border: 1px solid #bbb; border-radius: 4px; padding: 6px 8px; min-height: 36px; display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.text-input.multiline { min-height: 72px; align-items: flex-start; }
.caret { margin-left: auto; color: #616061; }
.chip { background: #e8f5fa; border: 1px solid #1264a3; color: #1264a3; border-radius: 4px; padding: 0 6px; font-size: 13px; }
.placeholder { color: #8d8d8d; }
.choices { display: flex; flex-direction: column; gap: 6px; }
.choice { display: flex; gap: 8px; }
.box { font-size: 18px; line-height: 1.1; color: #616061; }
.choice.ticked .box { color: #1264a3; }
.description { color: #616061; font-size: 13px; }
.unknown-block { background: #ff00ff; color: #000; font-weight: 900; padding: 12px; margin: 6px 0; border: 3px dashed #000; }
`;
