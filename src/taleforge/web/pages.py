"""The web app's own pages: the start page, a form per job, the job page (live progress,
then the job's HTML report with a downloads bar). Self-contained like the reports: inline
CSS and JS, nothing loaded from the network; the forms post JSON to ``/api/jobs``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from taleforge.io.html.svg import esc
from taleforge.web.jobs import COMMANDS, TARGET_HELP, TITLES, UPLOADS, Field, GenomeChoice

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:960px;
padding:1em 1.5em;color:#1b1f24;line-height:1.45}
h1{font-size:1.5em}a{color:#0969da}nav.top{margin-bottom:1em}nav.top a{margin-right:1em}
form.job label{display:block;font-weight:600;margin-top:.8em}
form.job .help{font-weight:400;color:#57606a;font-size:.85em;display:block}
form.job input[type=text],form.job input[type=number],form.job select{width:100%;max-width:520px;
padding:4px 6px;font-size:1em;box-sizing:border-box}
form.job fieldset{border:1px solid #d0d7de;border-radius:6px;margin-top:1em}
button{margin-top:1.2em;font-size:1.05em;padding:.4em 1.2em;background:#1f883d;color:#fff;
border:0;border-radius:6px;cursor:pointer}button.cancel{background:#cf222e}
.error{color:#cf222e;font-weight:600;white-space:pre-wrap}
.progress{width:100%;max-width:520px;height:14px;background:#eaeef2;border-radius:7px;overflow:hidden}
.progress div{height:100%;background:#0969da;width:0}
table.jobs{border-collapse:collapse}table.jobs td,table.jobs th{border:1px solid #d0d7de;padding:2px 8px}
ul.cards{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1em}
ul.cards li{border:1px solid #d0d7de;border-radius:8px;padding:.8em 1em;width:260px}
"""

DOWNLOADS_CSS = (
    "nav.tf-downloads{font-family:system-ui,sans-serif;background:#f6f8fa;border:1px solid #d0d7de;"
    "border-radius:6px;padding:.5em 1em;margin:.5em 0 1em}nav.tf-downloads a{margin-right:.9em}"
)


def page(title: str, body: str, script: str = "") -> str:
    js = f"<script>{script}</script>" if script else ""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{esc(title)}</title>"
            f"<style>{CSS}</style></head><body><nav class=\"top\"><a href=\"/\">taleforge</a>"
            + "".join(f'<a href="/new/{j}">{esc(TITLES[j])}</a>' for j in COMMANDS)
            + f"</nav>{body}{js}</body></html>\n")


def index_page(jobs: Sequence[dict[str, Any]]) -> str:
    cards = "".join(
        f'<li><a href="/new/{j}"><b>{esc(TITLES[j])}</b></a><br><span class="help">'
        f"as <code>taleforge {esc(COMMANDS[j])}</code></span></li>" for j in COMMANDS)
    rows = "".join(
        f'<tr><td><a href="/jobs/{esc(r["id"])}">{esc(r["job"])}</a></td><td>{esc(r["target"])}</td>'
        f'<td>{esc(r["genome"])}</td><td class="st">{esc(r["status"])}</td></tr>' for r in jobs[:50])
    table = (f'<h2>Jobs</h2><table class="jobs"><tr><th>job</th><th>target</th><th>genome</th>'
             f"<th>status</th></tr>{rows}</table>") if rows else ""
    return page("taleforge", "<h1>taleforge — TALE genome-edit design</h1>"
                "<p>Choose a job, fill in the form, and the server designs it with the same engine "
                "as the command line. Every job ends with a report and its files to download.</p>"
                f'<ul class="cards">{cards}</ul>{table}')


def _field_html(f: Field) -> str:
    label = f.flag.lstrip("-")
    name = esc(f.name)
    default = "" if f.default is None or f.default == [] else f.default
    helptext = esc(f.help) + (f" (default: {esc(default)})" if default not in ("", None) and f.kind != "bool" else "")
    if f.kind == "bool":
        checked = " checked" if f.default else ""
        return (f'<label><input type="checkbox" name="{name}" data-kind="bool"{checked}> {esc(label)}'
                f'<span class="help">{esc(f.help)}</span></label>')
    if f.choices:
        opts = "".join(f'<option value="{esc(c)}"{" selected" if c == f.default else ""}>{esc(c)}</option>'
                       for c in f.choices)
        return (f'<label>{esc(label)}<span class="help">{helptext}</span>'
                f'<select name="{name}" data-kind="text">{opts}</select></label>')
    typ = "number" if f.kind in ("int", "float") else "text"
    step = ' step="any"' if f.kind == "float" else ""
    return (f'<label>{esc(label)}<span class="help">{helptext}</span>'
            f'<input type="{typ}"{step} name="{name}" data-kind="{esc(f.kind)}" '
            f'placeholder="{esc(default)}" data-default="{esc(default)}"></label>')


FORM_JS = """
function readFile(inp){return new Promise(function(ok,bad){var f=inp.files[0];if(!f){ok(null);return;}
var r=new FileReader();r.onload=function(){ok({name:f.name,text:r.result});};r.onerror=bad;r.readAsText(f);});}
document.getElementById('jobform').addEventListener('submit',async function(ev){ev.preventDefault();
var form=ev.target,err=document.getElementById('error');err.textContent='';
var body={job:form.dataset.job,target:form.target.value,genome:form.genome.value,options:{},uploads:{}};
form.querySelectorAll('[data-kind]').forEach(function(el){var k=el.dataset.kind,v;
if(k==='bool'){var d=el.defaultChecked;if(el.checked!==d){body.options[el.name]=el.checked;}return;}
v=el.value.trim();if(v===''||v===el.dataset.default)return;
if(k==='int')v=parseInt(v,10);else if(k==='float')v=parseFloat(v);
else if(k==='list')v=v.split(',').map(function(s){return s.trim();}).filter(Boolean);
body.options[el.name]=v;});
var ups=form.querySelectorAll('input[type=file]');for(var i=0;i<ups.length;i++){
var u=await readFile(ups[i]);if(u)body.uploads[ups[i].name]=u;}
var resp=await fetch('/api/jobs',{method:'POST',headers:{'Content-Type':'application/json'},
body:JSON.stringify(body)});var data=await resp.json();
if(!resp.ok){err.textContent=data.error||('error '+resp.status);return;}
window.location='/jobs/'+data.id;});
"""


def form_page(job: str, fields: Sequence[Field], genomes: Sequence[GenomeChoice],
              example: str = "") -> str:
    label, helptext = TARGET_HELP[job]
    gopts = "".join(f'<option value="{esc(g.id)}">{esc(g.label)}</option>' for g in genomes)
    uploads = "".join(
        f'<label>{esc(u)} file<span class="help">'
        + ("FASTA of the sequence to design on (instead of the genome)" if u == "sequence"
           else "the cargo, GenBank or FASTA DNA")
        + f'</span><input type="file" name="{esc(u)}" accept=".fa,.fasta,.fna,.gb,.gbk,.txt"></label>'
        for u in UPLOADS[job])
    main = "".join(_field_html(f) for f in fields)
    body = (f"<h1>{esc(TITLES[job])}</h1><p class=\"help\">The options of "
            f"<code>taleforge {esc(COMMANDS[job])}</code>; empty fields keep the default.</p>"
            f'<form class="job" id="jobform" data-job="{esc(job)}">'
            f'<label>{esc(label)}<span class="help">{esc(helptext)}</span>'
            f'<input type="text" name="target" id="target" value="{esc(example)}"></label>'
            f'<label>genome<span class="help">built-in, registered (taleforge genome add) or from the '
            f'server\'s genomes folder</span><select name="genome" id="genome">{gopts}</select></label>'
            f"{uploads}<fieldset><legend>options</legend>{main}</fieldset>"
            f'<button type="submit" id="submit">Design</button>'
            f'<div class="error" id="error"></div></form>')
    return page(f"taleforge — {TITLES[job]}", body, FORM_JS)


STATUS_JS = """
var jid=document.body.dataset.job;
async function poll(){var r=await fetch('/api/jobs/'+jid);if(!r.ok){return;}var s=await r.json();
document.getElementById('status').textContent=s.status+(s.queue_position?(' (position '+s.queue_position+' in the queue)'):'');
var p=s.progress;if(p){document.getElementById('task').textContent=p.task+(p.total?(': '+p.done+' / '+p.total):'');
if(p.fraction!==null)document.getElementById('bar').style.width=(100*p.fraction)+'%';}
if(s.status==='done'){if(s.files.indexOf('report.html')>=0){window.location.reload();}else{
document.getElementById('task').innerHTML=s.files.map(function(f){return '<a href="/api/jobs/'+jid+'/files/'+encodeURIComponent(f)+'">'+f.replace(/[<>&"]/g,'')+'</a>';}).join(' ');
document.getElementById('cancel').style.display='none';}return;}
if(s.status==='failed'||s.status==='cancelled'){document.getElementById('error').textContent=s.error||s.status;
document.getElementById('cancel').style.display='none';return;}
setTimeout(poll,500);}
document.getElementById('cancel').addEventListener('click',async function(){
await fetch('/api/jobs/'+jid+'/cancel',{method:'POST'});poll();});
poll();
"""


def job_page(st: dict[str, Any]) -> str:
    body = (f"<h1>{esc(TITLES.get(st['job'], st['job']))}: {esc(st['target'] or '(sequence)')}</h1>"
            f"<p class=\"help\">genome {esc(st['genome'])} · <code>{esc(st['command'])}</code></p>"
            f'<p>status: <b id="status">{esc(st["status"])}</b></p>'
            f'<div class="progress"><div id="bar"></div></div><p id="task"></p>'
            f'<div class="error" id="error">{esc(st["error"] or "")}</div>'
            f'<button class="cancel" id="cancel" type="button">Cancel</button>')
    html = page(f"taleforge job {st['id']}", body, STATUS_JS)
    return html.replace("<body>", f'<body data-job="{esc(st["id"])}">', 1)


def downloads_bar(jid: str, files: Sequence[str], result_json: str | None) -> str:
    links = "".join(f'<a class="dl" href="/api/jobs/{esc(jid)}/files/{esc(f)}" download="{esc(f)}">{esc(f)}</a>'
                    for f in files)
    extra = (f' · <a href="/api/jobs/{esc(jid)}/result.json">result.json</a>' if result_json else "")
    return (f"<style>{DOWNLOADS_CSS}</style><nav class=\"tf-downloads\" id=\"downloads\">"
            f"<b>Downloads:</b> {links}{extra} · <a href=\"/\">new job</a></nav>")


def result_page(report: str, jid: str, files: Sequence[str], result_json: str | None) -> str:
    """The job's report (the file ``report.html`` byte for byte) with the downloads bar
    inserted after ``<body>``."""
    bar = downloads_bar(jid, files, result_json)
    i = report.find("<body")
    if i < 0:
        return bar + report
    j = report.find(">", i) + 1
    return report[:j] + bar + report[j:]


def error_json(message: str) -> str:
    return json.dumps({"error": message})
