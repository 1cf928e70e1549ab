#!/usr/bin/env python3
"""Compare `kizuna inspect --json` with Sisimai (Debian's libsisimai-perl) on a directory of .eml files.

    scripts/compare-sisimai.py DIR [--kizuna PATH] [--json OUT] [-v]

Sisimai is a reference, not the truth: the report lists the disagreements so that a person can
judge each one from the message text. Needs `perl -MSisimai` (apt-get install libsisimai-perl).
"""
import argparse, json, os, subprocess, sys, collections

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

# Sisimai reasons that Kizuna spells the same way; the rest are compared as they are.
def hard_of_sisimai(r):
    s = r.get('soft')
    return None if s in (-1, None) else (s == 0)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('dir')
    ap.add_argument('--kizuna', default=os.path.join(os.path.dirname(__file__), '..', '.build', 'debug', 'kizuna'))
    ap.add_argument('--json', help='write the per-message comparison here')
    ap.add_argument('-v', action='store_true', help='print every disagreement')
    a = ap.parse_args()
    files = sorted(os.path.join(a.dir, f) for f in os.listdir(a.dir) if f.endswith('.eml'))
    sis = {}
    out = subprocess.run(['perl', '-e', SISIMAI] + files, capture_output=True, text=True).stdout
    for line in out.splitlines():
        d = json.loads(line); sis[d['path']] = d['results']
    kiz = {}
    for i in range(0, len(files), 50):
        p = subprocess.run([a.kizuna, 'inspect', '--json'] + files[i:i+50], capture_output=True, text=True)
        for line in p.stdout.splitlines():
            try: d = json.loads(line)
            except ValueError: continue
            kiz[d['file']] = d
    c = collections.Counter(); rows = []
    for f in files:
        s = sis.get(f, []); k = kiz.get(f, {})
        krs = {r['address'].lower(): r for r in (k.get('recipients') or []) if r.get('address')}
        srs = {r['recipient']: r for r in s if r['reason'] not in ('delivered',)}
        c['messages'] += 1
        c['kizuna_recipients'] += len(krs); c['sisimai_recipients'] += len(srs)
        if srs: c['sisimai_messages'] += 1
        if krs: c['kizuna_messages'] += 1
        row = {'file': os.path.basename(f), 'kind': k.get('kind'), 'issues': []}
        if srs and not krs:
            c['kizuna_none_sisimai_some'] += 1
            row['issues'].append('kizuna found no recipient (kind=%s); sisimai: %s' % (
                k.get('kind'), ', '.join('%s %s %s' % (x, r['reason'], r['status']) for x, r in srs.items())))
        elif srs and krs:
            for x in sorted(set(srs) - set(krs)):
                c['recipient_missing'] += 1
                row['issues'].append('recipient only in sisimai: %s (%s)' % (x, srs[x]['reason']))
            for x in sorted(set(krs) - set(srs)):
                c['recipient_extra'] += 1
                row['issues'].append('recipient only in kizuna: %s (%s)' % (x, krs[x].get('reason')))
        for x in sorted(set(srs) & set(krs)):
            sr, kr = srs[x], krs[x]
            c['pairs'] += 1
            if sr['reason'] == kr.get('reason'): c['reason_agree'] += 1
            else:
                row['issues'].append('reason %s: kizuna %s (%s) / sisimai %s (%s)' % (
                    x, kr.get('reason'), kr.get('status'), sr['reason'], sr['status']))
            sh = hard_of_sisimai(sr)
            if sh is None: c['hard_unknown_in_sisimai'] += 1
            else:
                c['hard_pairs'] += 1
                if sh == bool(kr.get('hard')): c['hard_agree'] += 1
                else:
                    row['issues'].append('hard/soft %s: kizuna %s / sisimai %s' % (
                        x, 'hard' if kr.get('hard') else 'soft', 'hard' if sh else 'soft'))
        if not srs and krs:
            c['kizuna_some_sisimai_none'] += 1
            row['issues'].append('sisimai found nothing; kizuna: %s' % ', '.join('%s %s' % (x, r.get('reason')) for x, r in krs.items()))
        rows.append(row)
    if a.json:
        with open(a.json, 'w') as fh: json.dump(rows, fh, indent=1)
    if a.v:
        for r in rows:
            for i in r['issues']: print('%s: %s' % (r['file'], i))
        print()
    pct = lambda n, d: '%d/%d (%.1f%%)' % (n, d, 100.0 * n / d) if d else '0/0'
    print('messages                      %d' % c['messages'])
    print('with a recipient: kizuna %d, sisimai %d' % (c['kizuna_messages'], c['sisimai_messages']))
    print('recipients: kizuna %d, sisimai %d, both %d' % (c['kizuna_recipients'], c['sisimai_recipients'], c['pairs']))
    print('kizuna none / sisimai some    %d' % c['kizuna_none_sisimai_some'])
    print('sisimai none / kizuna some    %d' % c['kizuna_some_sisimai_none'])
    print('recipients only in sisimai    %d' % c['recipient_missing'])
    print('recipients only in kizuna     %d' % c['recipient_extra'])
    print('reason agreement              %s' % pct(c['reason_agree'], c['pairs']))
    print('hard/soft agreement           %s' % pct(c['hard_agree'], c['hard_pairs']))

if __name__ == '__main__':
    main()
