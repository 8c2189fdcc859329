#!/usr/bin/env python3
# Writes portcullis.json (the Grafana dashboard) to stdout: python3 make-dashboard.py > portcullis.json
# Edit the panels here rather than the JSON; DeployMetricNamesTest checks every metric name the JSON uses.
import json
DS = {"type": "prometheus", "uid": "${datasource}"}
panels = []
pid = 0
def ts(title, targets, x, y, w=12, h=8, unit="short", desc="", stack=False, overrides=None):
    global pid
    pid += 1
    p = {
        "id": pid, "type": "timeseries", "title": title, "description": desc, "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": {"unit": unit, "custom": {"fillOpacity": 10, "lineWidth": 1,
                        "stacking": {"mode": "normal" if stack else "none"}}}, "overrides": overrides or []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]},
                    "tooltip": {"mode": "multi"}},
        "targets": [{"datasource": DS, "refId": chr(65 + i), "expr": e, "legendFormat": l} for i, (e, l) in enumerate(targets)],
    }
    panels.append(p)
def stat(title, expr, x, y, w=4, h=4, unit="short", desc="", thresholds=None, mappings=None, legend=""):
    global pid
    pid += 1
    panels.append({
        "id": pid, "type": "stat", "title": title, "description": desc, "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": {"unit": unit, "mappings": mappings or [],
            "thresholds": {"mode": "absolute", "steps": thresholds or [{"color": "green", "value": None}]}}, "overrides": []},
        "options": {"colorMode": "background", "graphMode": "area", "reduceOptions": {"calcs": ["lastNotNull"]}},
        "targets": [{"datasource": DS, "refId": "A", "expr": expr, "legendFormat": legend}],
    })
def row(title, y):
    global pid
    pid += 1
    panels.append({"id": pid, "type": "row", "title": title, "collapsed": False, "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}, "panels": []})

I = 'instance=~"$instance"'
syn = f'sum(rate(portcullis_syns_received_total{{{I}}}[$__rate_interval]))'
ack = f'sum(rate(portcullis_acks_valid_total{{{I}}}[$__rate_interval]))'

# Row 0: the attack at a glance.
row("At a glance", 0)
stat("SYNs / s", syn, 0, 1, unit="reqps", desc="SYNs received for the protected ports, all shards.",
     thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 1000}, {"color": "red", "value": 100000}])
stat("SYN : valid ACK", f'{syn} / clamp_min({ack}, 1)', 4, 1, unit="none",
     desc="SYNs per completed handshake. Near 1 is normal traffic; far above 10 is a flood being absorbed by cookies.",
     thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 3}, {"color": "red", "value": 10}])
stat("Legit connections", f'sum(portcullis_connections_established{{{I}}})', 8, 1,
     desc="Connections in the engines' tables (completed handshakes, not yet closed).")
stat("Backends up", f'sum(portcullis_backend_up{{{I}}})', 12, 1,
     desc="Backends whose last connect succeeded, out of all listed in the pools (see Backends below).",
     thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 1}])
stat("Ring drops / s", f'sum(rate(portcullis_ring_drops_total{{{I}}}[$__rate_interval]))', 16, 1, unit="pps",
     desc="Frames the kernel dropped because the RX ring was full: lost before Portcullis saw them.",
     thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 0.001}])
stat("Instances up", 'sum(up{job="portcullis", instance=~"$instance"})', 20, 1,
     desc="Portcullis processes answering the scrape.",
     thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 1}])

# Row 1: handshakes.
row("Handshakes", 5)
ts("SYN rate vs valid final ACKs", [
    (syn, "SYNs received"),
    (f'sum(rate(portcullis_cookies_sent_total{{{I}}}[$__rate_interval]))', "SYN cookies sent"),
    (f'sum(rate(portcullis_synacks_sent_total{{{I}}}[$__rate_interval]))', "SYN-ACKs from the SYN queue"),
    (ack, "valid final ACKs"),
], 0, 6, unit="pps",
   desc="A flood: SYNs and cookies climb, valid ACKs stay at the legit rate. A legit surge: all climb together.")
ts("Invalid final ACKs by reason", [
    (f'sum by (reason) (rate(portcullis_acks_invalid_total{{{I}}}[$__rate_interval]))', "{{reason}}"),
], 12, 6, unit="pps", stack=True, desc="ACKs whose cookie did not check out: floods of ACKs, stale or guessed cookies.")
ts("Queues", [
    (f'sum(portcullis_syn_queue_depth{{{I}}})', "SYN queue depth"),
    (f'sum(portcullis_accept_queue_depth{{{I}}})', "accept queue depth"),
    (f'sum(rate(portcullis_accept_queue_overflows_total{{{I}}}[$__rate_interval]))', "accept queue overflows / s"),
    (f'sum(rate(portcullis_syn_queue_overflows_total{{{I}}}[$__rate_interval]))', "SYN queue overflows / s"),
], 0, 14, desc="The SYN queue is used only in cookies.mode = on-overflow; the accept queue holds established "
                  "connections the relay has not taken yet (slow backends fill it).")
ts("Connections", [
    (f'sum(portcullis_connections_established{{{I}}})', "in the engine (established)"),
    (f'sum(portcullis_relay_sessions{{{I}}})', "relayed to a backend"),
    (f'sum(rate(portcullis_relay_accepted_total{{{I}}}[$__rate_interval]))', "taken by the relay / s"),
], 12, 14)

# Row 2: backends and relay.
row("Backends and relay", 22)
ts("Backends up", [
    (f'max by (pool, backend) (portcullis_backend_up{{{I}}})', "{{pool}} {{backend}}"),
], 0, 23, w=8, desc="1 while the last connect to the backend succeeded.")
ts("Backend connect failures", [
    (f'sum by (pool, backend) (rate(portcullis_backend_connect_failures_total{{{I}}}[$__rate_interval]))', "{{pool}} {{backend}}"),
    (f'sum(rate(portcullis_relay_no_backend_total{{{I}}}[$__rate_interval]))', "clients reset: no backend answered"),
], 8, 23, w=8, unit="ops")
ts("Relay throughput", [
    (f'sum by (direction) (rate(portcullis_relay_bytes_total{{{I}}}[$__rate_interval])) * 8', "{{direction}}"),
], 16, 23, w=8, unit="bps")

# Row 3: frames, drops and TCP hygiene.
row("Frames and TCP", 31)
ts("Ring drops and dropped frames", [
    (f'sum(rate(portcullis_ring_frames_total{{{I}}}[$__rate_interval]))', "frames read from the rings"),
    (f'sum(rate(portcullis_ring_drops_total{{{I}}}[$__rate_interval]))', "ring drops (kernel, ring full)"),
    (f'sum(rate(portcullis_ring_frames_cut_total{{{I}}}[$__rate_interval]))', "frames cut short by the ring"),
    (f'sum by (reason) (rate(portcullis_drops_total{{{I}}}[$__rate_interval]))', "dropped: {{reason}}"),
], 0, 32, unit="pps", desc="Ring drops are losses before parsing; the others are frames Portcullis read and dropped, by reason.")
ts("RSTs, challenge ACKs, retransmissions", [
    (f'sum(rate(portcullis_rsts_sent_total{{{I}}}[$__rate_interval]))', "RSTs sent"),
    (f'sum(rate(portcullis_challenge_acks_total{{{I}}}[$__rate_interval]))', "challenge ACKs (RFC 5961)"),
    (f'sum(rate(portcullis_retransmissions_total{{{I}}}[$__rate_interval]))', "retransmissions"),
], 12, 32, unit="pps")

dash = {
    "uid": "portcullis", "title": "Portcullis", "tags": ["portcullis", "syn-flood"], "timezone": "browser",
    "editable": True, "graphTooltip": 1, "refresh": "5s", "schemaVersion": 39, "version": 1,
    "time": {"from": "now-30m", "to": "now"},
    "description": "SYN-flood protection at a glance: is an attack under way, is it absorbed, do legit clients get through.",
    "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
                               "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"}]},
    "templating": {"list": [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
         "current": {"text": "Prometheus", "value": "prometheus"}, "hide": 0},
        {"name": "instance", "label": "Instance", "type": "query", "datasource": DS,
         "query": {"query": 'label_values(up{job="portcullis"}, instance)', "refId": "instance"},
         "definition": 'label_values(up{job="portcullis"}, instance)',
         "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2, "sort": 1,
         "current": {"text": "All", "value": "$__all"}},
    ]},
    "panels": panels,
}
print(json.dumps(dash, indent=2))
