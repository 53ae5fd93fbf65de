"""Compares `spdxcheck.py -v -f` (its list "Files without SPDX") with git-outbound's spdx
findings on the same tree. Usage: spdx-compare.py OURS.json SPDXCHECK_STDERR TREE (see
spdx-kernel.sh)."""
import collections
import json
import os
import re
import sys

ROOT = sys.argv[3]
ours = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
i = lines.index('Files without SPDX:')
sc_missing = {l.strip()[2:] for l in lines[i+1:] if l.strip().startswith('./')}
by_path = collections.defaultdict(list)
for f in ours['findings']:
    by_path[f['path']].append((f['rule'], f['severity']))
summ = ours['summary']
files = set(os.popen('git -C %s ls-files' % ROOT).read().splitlines())
# REUSE exemptions (symlinks and empty files, and as is_exempt): LICENSES/, COPYING/LICENSE*, .license, REUSE.toml, .spdx
def exempt(p):
    full = os.path.join(ROOT, p)
    if os.path.islink(full) or (os.path.isfile(full) and os.path.getsize(full) == 0): return True
    name = p.rsplit('/',1)[-1]
    parts = p.split('/')[:-1]
    if any(d in ('.git','LICENSES','.reuse') for d in parts): return True
    if any(name.startswith(s) and (name==s or name[len(s)] in '.-') for s in ('LICENSE','LICENCE','COPYING')): return True
    return name.endswith('.license') or name=='REUSE.toml' or '.spdx' in name
# spdxcheck's own exclusions (scripts/spdxexclude).
def sc_excluded(p):
    name = p.rsplit('/',1)[-1]
    if p.startswith('LICENSES/') or name=='license-rules.rst' or p.startswith('kernel/configs/'): return True
    if re.match(r'arch/[^/]*/configs/', p): return True
    return p in ('CREDITS','MAINTAINERS','README')
missing_rules = {'missing-spdx-header','missing-binary-license'}
ours_missing = {p for p,rs in by_path.items() if any(r in missing_rules for r,_ in rs)}
ours_any = set(by_path)
print('files in tree', len(files), 'scanned by us', summ['files'])
print('spdxcheck missing', len(sc_missing))
a = sorted(p for p in sc_missing - ours_any if not exempt(p))
print('spdxcheck missing, not reported by us (not REUSE-exempt):', len(a))
for p in a[:40]: print('   ', p)
b = sorted(p for p in ours_missing if p not in sc_missing and p in files and not sc_excluded(p))
print('reported missing by us, accepted by spdxcheck (in its scan):', len(b))
for p in b[:80]: print('   ', p, by_path[p])
c = sorted(p for p in ours_missing if p not in files)
print('reported missing, not in git (ignored by spdxcheck):', len(c))
ex = [p for p in sc_missing if exempt(p)]
print('spdxcheck missing but REUSE-exempt:', len(ex), ex[:10])
cnt = collections.Counter((r,s) for rs in by_path.values() for r,s in rs)
for k,v in cnt.most_common(): print('  ', k, v)
blocked = {p for p,rs in by_path.items() if any(s=='block' for _,s in rs)}
print('files with a blocking finding', len(blocked))
