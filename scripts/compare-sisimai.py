#!/usr/bin/env python3
"""Compare `kizuna inspect --json` with Sisimai (Debian's libsisimai-perl) on a directory of messages.

    scripts/compare-sisimai.py DIR [--kizuna PATH] [--truth FILE] [--json OUT] [--summary-json OUT] [-v]

Every regular file in DIR except *.json is a message. Sisimai is a reference, not the truth:
the report counts where the two disagree, so that a person can judge each case from the text.
  (a) bounces read otherwise: messages Sisimai reads as a bounce that Kizuna reads as a command
      (a reply would be backscatter), as `other`, or as anything but a bounce or a delay;
  (b) recipients: messages where both found recipients but not the same ones, and where only
      one of them found any;
  (c) reasons: for each recipient both found, whether the reasons are the same.
--truth FILE (JSON: message name without extension → {"recipients": [...]}, as
scripts/fetch-bounce-corpora.sh writes for flufl.bounce's corpus) scores both tools against the
expected failed addresses. Needs `perl -MSisimai` (apt-get install libsisimai-perl).
"""
import argparse, collections, json, os, subprocess

SISIMAI = r'''
use strict; use warnings; use Sisimai; use JSON::PP;
my $js = JSON::PP->new->canonical(1);
for my $path (@ARGV) {
    my $v = eval { Sisimai->make($path, 'delivered' => 1, 'vacation' => 1) } // [];
    my @r;
    for my $e (@$v) {
        push @r, { recipient => lc $e->recipient->address, reason => $e->reason,
                   status => $e->deliverystatus, soft => $e->softbounce + 0,
                   agent => $e->smtpagent, action => $e->action };
    }
    print $js->encode({ path => $path, results => \@r }), "\n";
}
'''

# Sisimai reasons that are not a failed delivery.
NOT_FAILED = ('delivered', 'vacation', 'feedback')
# Sisimai's names for what Kizuna calls otherwise: `onhold` is Sisimai's "could not decide",
# Kizuna's `undefined`.
SAME_REASON = {'onhold': 'undefined'}


def hard_of_sisimai(r):
    s = r.get('soft')
    return None if s in (-1, None) else (s == 0)


def run_sisimai(files):
    out = subprocess.run(['perl', '-e', SISIMAI] + files, capture_output=True, text=True, check=True).stdout
    return {d['path']: d['results'] for d in map(json.loads, out.splitlines())}


def run_kizuna(kizuna, files):
    found = {}
    for i in range(0, len(files), 50):
        p = subprocess.run([kizuna, 'inspect', '--json'] + files[i:i + 50], capture_output=True, text=True)
        for line in p.stdout.splitlines():
            try:
                d = json.loads(line)
            except ValueError:
                continue
            found[d['file']] = d
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('dir')
    ap.add_argument('--kizuna', default=os.path.join(os.path.dirname(__file__), '..', '.build', 'debug', 'kizuna'))
    ap.add_argument('--truth', help='expected failed recipients per message (JSON)')
    ap.add_argument('--json', help='write the per-message comparison here')
    ap.add_argument('--summary-json', help='write the totals here')
    ap.add_argument('-v', action='store_true', help='print every disagreement')
    a = ap.parse_args()
    files = sorted(os.path.join(a.dir, f) for f in os.listdir(a.dir)
                   if os.path.isfile(os.path.join(a.dir, f)) and not f.endswith('.json'))
    if not files:
        ap.error('no messages in %s' % a.dir)
    if not os.access(a.kizuna, os.X_OK):
        ap.error('no kizuna binary at %s (swift build, or --kizuna PATH)' % a.kizuna)
    truth = json.load(open(a.truth)) if a.truth else {}
    sis, kiz = run_sisimai(files), run_kizuna(a.kizuna, files)

    c = collections.Counter()
    kinds = collections.Counter()
    rows = []
    for f in files:
        k = kiz.get(f, {})
        kind = k.get('kind', 'missing')
        kinds[kind] += 1
        krs = {r['address'].lower(): r for r in (k.get('recipients') or [])
               if r.get('address') and r.get('reason') != 'delivered'}
        srs = {r['recipient']: r for r in sis.get(f, []) if r['reason'] not in NOT_FAILED}
        row = {'file': os.path.basename(f), 'kind': kind, 'may_reply': k.get('may_reply', False), 'issues': []}
        note = row['issues'].append
        c['messages'] += 1
        c['kizuna_bounces'] += kind == 'bounce'
        c['kizuna_delays'] += kind == 'delay'
        c['kizuna_messages_with_recipient'] += bool(krs)
        c['sisimai_bounces'] += bool(srs)
        c['kizuna_recipients'] += len(krs)
        c['sisimai_recipients'] += len(srs)
        c['may_reply'] += bool(k.get('may_reply'))
        # (a) What Kizuna made of Sisimai's bounces.
        if srs and kind not in ('bounce', 'delay'):
            c['sisimai_bounce_kizuna_' + kind] += 1
            note('sisimai: bounce (%s); kizuna: %s%s' % (
                ', '.join('%s %s' % (x, r['reason']) for x, r in srs.items()), kind,
                ', may reply' if k.get('may_reply') else ''))
        # (b) Recipients.
        if srs and not krs:
            c['recipients_only_sisimai_found'] += 1
            if kind in ('bounce', 'delay'):
                note('kizuna read a %s but no recipient; sisimai: %s' % (kind, ', '.join(srs)))
        elif krs and not srs:
            c['recipients_only_kizuna_found'] += 1
            note('sisimai found nothing; kizuna (%s): %s' % (kind, ', '.join('%s %s' % (x, r.get('reason')) for x, r in krs.items())))
        elif krs and srs:
            c['both_found'] += 1
            if set(krs) == set(srs):
                c['recipients_same'] += 1
            else:
                c['recipients_differ'] += 1
                note('recipients differ: only kizuna %s; only sisimai %s' % (
                    sorted(set(krs) - set(srs)) or '-', sorted(set(srs) - set(krs)) or '-'))
        # (c) Reasons of the recipients both found.
        for x in sorted(set(srs) & set(krs)):
            sr, kr = srs[x], krs[x]
            c['pairs'] += 1
            if SAME_REASON.get(sr['reason'], sr['reason']) == kr.get('reason'):
                c['reason_agree'] += 1
            else:
                note('reason %s: kizuna %s (%s) / sisimai %s (%s)' % (x, kr.get('reason'), kr.get('status'), sr['reason'], sr['status']))
            sh = hard_of_sisimai(sr)
            if sh is not None:
                c['hard_pairs'] += 1
                if sh == bool(kr.get('hard')):
                    c['hard_agree'] += 1
                else:
                    note('hard/soft %s: kizuna %s / sisimai %s' % (x, 'hard' if kr.get('hard') else 'soft', 'hard' if sh else 'soft'))
        # Against the expected addresses, when known.
        t = truth.get(os.path.splitext(os.path.basename(f))[0])
        if t is not None:
            expected = set(t['recipients'])
            c['truth_messages'] += 1
            c['truth_bounces'] += bool(expected)
            for tool, got in (('kizuna', set(krs)), ('sisimai', set(srs))):
                c[tool + '_truth_exact'] += got == expected
                c[tool + '_truth_found'] += len(got & expected)
                c[tool + '_truth_extra'] += len(got - expected)
            c['truth_addresses'] += len(expected)
            if expected and kind == 'command':
                c['truth_bounce_kizuna_command'] += 1
            if set(krs) != expected:
                note('expected %s; kizuna %s; sisimai %s' % (sorted(expected) or '-', sorted(krs) or '-', sorted(srs) or '-'))
        rows.append(row)

    if a.json:
        with open(a.json, 'w') as fh:
            json.dump(rows, fh, indent=1)
    if a.v:
        for r in rows:
            for i in r['issues']:
                print('%s: %s' % (r['file'], i))
        print()
    pct = lambda n, d: '%d/%d (%.1f%%)' % (n, d, 100.0 * n / d) if d else '0/0'
    print('messages                          %d' % c['messages'])
    print('kizuna kinds                      %s' % ', '.join('%s %d' % kv for kv in sorted(kinds.items())))
    print('bounces found: kizuna %d (+%d delays), sisimai %d' % (c['kizuna_bounces'], c['kizuna_delays'], c['sisimai_bounces']))
    print('(a) sisimai bounce, kizuna command %d (may reply: %d)' % (
        c['sisimai_bounce_kizuna_command'], sum(1 for r in rows if r['kind'] == 'command' and r['may_reply']
                                                and any(i.startswith('sisimai: bounce') for i in r['issues']))))
    for kind in sorted(kinds):
        if kind != 'command' and c['sisimai_bounce_kizuna_' + kind]:
            print('    sisimai bounce, kizuna %-8s %d' % (kind, c['sisimai_bounce_kizuna_' + kind]))
    print('(b) recipients: same %s; differ %d; only kizuna found some %d; only sisimai found some %d' % (
        pct(c['recipients_same'], c['both_found']), c['recipients_differ'],
        c['recipients_only_kizuna_found'], c['recipients_only_sisimai_found']))
    print('(c) reason agreement              %s' % pct(c['reason_agree'], c['pairs']))
    print('    hard/soft agreement           %s' % pct(c['hard_agree'], c['hard_pairs']))
    if truth:
        print('expected recipients (%d messages, %d with a failed address, %d addresses):' % (
            c['truth_messages'], c['truth_bounces'], c['truth_addresses']))
        for tool in ('kizuna', 'sisimai'):
            print('    %-8s exact set %s; addresses found %s; extra %d' % (
                tool, pct(c[tool + '_truth_exact'], c['truth_messages']),
                pct(c[tool + '_truth_found'], c['truth_addresses']), c[tool + '_truth_extra']))
        print('    bounces kizuna read as a command  %d' % c['truth_bounce_kizuna_command'])
    if a.summary_json:
        with open(a.summary_json, 'w') as fh:
            json.dump(dict(c, kinds=dict(kinds)), fh, indent=1, sort_keys=True)


if __name__ == '__main__':
    main()
