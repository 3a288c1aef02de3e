"""The report's stylesheet and its one small script, kept apart from the page's content.

The CSS is plain and printable (no web fonts, nothing fetched). The script marks
``<body data-images-loaded="true">`` once every image has decoded — what the
browser test reads — and opens the collapsed tables before printing.
"""

__all__ = ["SCRIPT", "STYLE"]

STYLE = """
:root { --ink:#1d2733; --muted:#5f6b7a; --line:#dde3ea; --accent:#1f5f9f; --bg:#f6f8fa;
  --good:#2e7d32; --bad:#c62828; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color:var(--ink); background:#fff; }
main { max-width: 1080px; margin: 0 auto; padding: 28px 32px 48px; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 14px; margin-bottom: 18px; }
.kicker { margin:0; color:var(--accent); font-weight:600; text-transform:uppercase;
  letter-spacing:.08em; font-size:12px; }
h1 { margin: 4px 0 12px; font-size: 28px; line-height:1.2; }
h2 { font-size: 20px; margin: 34px 0 8px; padding-bottom:4px; border-bottom:1px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 6px; color: var(--muted); }
.facts { display:grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr));
  gap: 6px 24px; margin:0; }
.facts div { min-width:0; }
.facts dt { font-size:11px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); }
.facts dd { margin:0; font-size:14px; }
.cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap:12px;
  margin: 18px 0 6px; }
.card { background:var(--bg); border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
.card-label { font-size:12px; color:var(--muted); }
.card-value { font-size:26px; font-weight:650; margin-top:2px; font-variant-numeric: tabular-nums; }
.card-ci { font-size:12px; color:var(--muted); }
.card-ci span { opacity:.8; }
.intro { color:var(--muted); margin: 0 0 10px; font-size:13.5px; }
table { border-collapse:collapse; width:100%; font-size:13.5px; margin: 6px 0 10px; }
th, td { padding: 5px 8px; border-bottom:1px solid var(--line); text-align:left;
  vertical-align:top; }
thead th { font-size:12px; color:var(--muted); font-weight:600; border-bottom:2px solid var(--line);
  position: sticky; top: 0; background:#fff; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; white-space:nowrap; }
table.kpis th[scope=row] { font-weight:500; }
table.kpis td { vertical-align: baseline; }
table.kpis code { display:block; font-size:11px; color:var(--muted); font-weight:400; }
table.kpis td.def { color:var(--muted); font-size:12px; max-width: 330px; }
tr.group th { background:var(--bg); font-size:12px; text-transform:uppercase; letter-spacing:.06em;
  color:var(--accent); padding-top:9px; }
.hw { color:var(--muted); font-size: 12px; }
td.ci { color:var(--muted); }
figure { margin: 14px 0 22px; page-break-inside: avoid; break-inside: avoid; }
figure img { display:block; max-width:100%; height:auto; margin: 0 auto;
  border:1px solid var(--line); border-radius:6px; }
figcaption { color:var(--muted); font-size:13px; margin-top:6px; }
table.occupancy td.bar { width:55%; }
td.bar div { height: 14px; background: var(--accent); opacity:.75; border-radius:3px; }
tr.total th, tr.total td { font-weight:650; }
table.differences tr.significant td { color: var(--bad); font-weight:600; }
details summary { cursor:pointer; color:var(--accent); font-weight:600; margin: 4px 0 8px; }
table.intervals td, table.intervals th { padding: 3px 8px; font-size:12.5px; }
tr.warmup { color: #9aa5b1; }
td.below { color: var(--bad); font-weight:600; }
.notes { background:#fff8e1; border:1px solid #ffe082; border-radius:6px; padding: 6px 14px;
  margin: 14px 0; font-size:13px; }
.small { font-size:13px; color:var(--muted); }
.brief { font-size:16px; margin: 14px 0 0; max-width: 62em; }
table.occupancy td, table.occupancy th { vertical-align: middle; }
footer { margin-top: 40px; padding-top: 10px; border-top:1px solid var(--line); font-size:12px;
  color:var(--muted); }
@media print {
  main { max-width:none; padding: 0; }
  body { font-size: 11pt; }
  h2 { break-after: avoid; }
  thead th { position: static; }
  details summary { display:none; }
  .cards { grid-template-columns: repeat(6, 1fr); }
  a { color: inherit; text-decoration: none; }
}
@page { margin: 14mm; }
"""

SCRIPT = """
(function () {
  function check() {
    var images = Array.prototype.slice.call(document.images);
    var ok = images.every(function (i) { return i.complete && i.naturalWidth > 0; });
    document.body.setAttribute('data-images', String(images.length));
    document.body.setAttribute('data-images-loaded', ok ? 'true' : 'false');
  }
  if (document.readyState === 'complete') { check(); } else {
    window.addEventListener('load', check);
  }
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  });
})();
"""
