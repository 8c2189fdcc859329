import sys, re, collections
# Classifies perf samples of a SYN flood window (perf script -F comm,pid,tid,cpu,time,ip,sym,dso) by thread
# group and by the part of the SYN path; see loadtest/profile/profile-syn-path.sh.
# usage: syn-profile.py window.txt PORTCULLIS_PID SECONDS SYNACKS_PER_S OFFERED_PER_S PERIOD_MS
path, PC = sys.argv[1], sys.argv[2]
secs, acks, offered, period = float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
KBUCKETS = [
    ('BPF socket filter', ('run_filter', 'bpf_prog', 'sk_filter', '___bpf_prog_run', 'bpf_')),
    ('tpacket_rcv (copy into the ring, block handling)', ('tpacket_rcv', 'prb_', 'packet_rcv')),
    ('fanout hash (flow dissector)', ('__skb_flow_dissect', 'skb_get_hash', 'packet_rcv_fanout', 'fanout_demux', '__skb_get_hash')),
    ('nftables hooks (host ingress drop / client counter)', ('nft_', 'nf_hook', 'nf_ingress')),
    ('IP receive in the client ns (early demux, route, ip_error)', ('ip_rcv', 'ip_route_input', 'early_demux', 'ip_error', '__inet_lookup', 'ip_local_deliver', 'fib_', 'rt_dst_alloc', 'icmp_')),
    ('netif receive core + softirq', ('__netif_receive_skb', 'process_backlog', 'net_rx_action', 'handle_softirqs', 'do_softirq', '__napi_poll')),
    ('skb free', ('kfree_skb', 'consume_skb', 'skb_release', 'kmem_cache_free', 'sk_skb_reason_drop', 'skb_free', 'napi_consume', 'skb_defer_free', '__free_')),
    ('veth / dev xmit', ('veth_', 'dev_direct_xmit', 'dev_queue_xmit', 'enqueue_to_backlog', 'netif_rx', 'dev_hard_start_xmit', 'netdev_pick_tx', 'dev_forward_skb', 'eth_type_trans')),
    ('packet socket send (sendmmsg/sendto, skb alloc, copy)', ('packet_snd', 'packet_sendmsg', 'tpacket_snd', 'sendmmsg', 'sendmsg', 'sendto', 'alloc_skb', 'sock_alloc_send', 'copy_from_iter', 'skb_copy', 'copy_msghdr', 'sock_def_write_space', 'kmalloc', 'skb_put', 'get_page_from_freelist', '__alloc_pages', 'alloc_pages')),
    ('scheduler / epoll_wait', ('epoll_wait', 'schedule', 'do_epoll', 'futex', 'finish_task_switch')),
]
def java_bucket(f):
    if 'guard.HeavyHitters' in f or 'guard.SpaceSaving' in f: return 'guard: heavy hitters'
    if 'guard.' in f: return 'guard: sketch/lists'
    if 'io.SynShedder' in f: return 'overload check'
    if 'cookie.' in f: return 'cookie (SipHash)'
    if 'wire.FrameParser' in f or 'wire.TcpOptions' in f or 'View.' in f: return 'parse'
    if 'wire.SegmentWriter' in f or 'wire.Checksum' in f or 'tcp.Output' in f or 'wire.Bytes' in f: return 'SYN-ACK build + checksum'
    if 'tcp.' in f: return 'engine (table probe, handshake)'
    if 'io.RxRing' in f or 'io.Shard' in f or 'io.PacketSocket' in f: return 'ring walk + shard dispatch'
    if 'metrics' in f: return 'metrics'
    if 'relay' in f or 'io.netty' in f: return 'Netty event loop + relay'
    return None
samples=[]; cur=None
for line in open(path, errors='replace'):
    if not line.strip():
        if cur: samples.append(cur); cur=None
        continue
    if not line.startswith('\t'):
        m = re.match(r'\s*(.+?)\s+(\d+)/(\d+)\s+\[(\d+)\]', line)
        cur = dict(comm=m.group(1), pid=m.group(2), frames=[]) if m else None
        continue
    if cur is not None:
        p=line.strip().split(' ',1)
        if len(p)==2:
            sym, _, dso = p[1].rpartition(' (')
            cur['frames'].append(sym if 'kernel.kallsyms' not in dso else 'K:' + sym)
if cur: samples.append(cur)
def kbucket(fr):
    for f in fr:
        for name, pats in KBUCKETS:
            if any(p in f for p in pats): return name
    return None
out=collections.Counter()
for s in samples:
    fr, comm, pid = s['frames'], s['comm'], s['pid']
    if comm == 'swapper': g='idle'; b=''
    elif pid == PC and comm.startswith('portcullis-sh'):
        g='shard'
        b=None
        if fr and fr[0].startswith('K:'):
            b = 'kernel: ' + (kbucket([f for f in fr if f.startswith('K:')]) or 'other kernel (' + fr[0][:30] + ')')
        if b is None:
            for f in fr:
                jb = java_bucket(f)
                if jb: b='java: '+jb; break
        if b is None: b = 'kernel: ' + (kbucket(fr) or 'other') if kbucket(fr) else 'jvm/other: ' + (fr[0][:40] if fr else '?')
    elif pid == PC:
        g='portcullis other threads'
        b = 'JIT compiler' if ('C1' in comm or 'C2' in comm) else ('GC' if ('GC' in comm or 'G1' in comm) else comm)
    elif comm in ('flood-sender','trafgen'):
        g='generator thread'; b = kbucket(fr) or 'generator own work (user space)'
    elif comm.startswith('ksoftirqd'):
        g='ksoftirqd'; b = kbucket(fr) or 'other'
    else:
        g='other processes'; b=comm
    out[(g,b)]+=1
tot=sum(out.values())
print(f'total samples {tot}, {secs}s window, 2 CPUs; per SYN-ACK ns = samples*{period}ms/({acks}*{secs}); per offered SYN ns uses {offered}/s')
groups=collections.Counter()
for (g,b),v in out.items(): groups[g]+=v
for g,gv in groups.most_common():
    print(f'== {g}: {gv} samples, {100*gv/tot:.1f}% of the box, {gv*period*1e6/(acks*secs):.0f} ns per SYN-ACK, {gv*period*1e6/(offered*secs):.0f} ns per offered SYN')
    for (gg,b),v in sorted(out.items(), key=lambda x:-x[1]):
        if gg==g and v*100/gv>=float(__import__("os").environ.get("MINPCT","1.0")):
            print(f'   {v:6d} {100*v/gv:5.1f}%  {v*period*1e6/(acks*secs):6.0f} ns/SYN-ACK {v*period*1e6/(offered*secs):6.0f} ns/offered  {b}')
