#!/usr/bin/env bash
# Issue 6's collection benchmarks with Dovecot: starts a private Dovecot (scripts/lib),
# runs `cargo bench -p writ-sources --bench collect`, and stops Dovecot again, whatever
# happens. Extra arguments go to cargo bench.
#
# The data (a ~1 GB Maildir, the spools, the sealed files, Dovecot's copy of the
# mailbox, the baselines' copies) is several GB at its peak: it goes under
# WRIT_BENCH_DIR (default /dev/shm), and Dovecot's mail under WRIT_SERVICES_DIR
# (default a new directory there). WRIT_BENCH_MAIL_MB, WRIT_BENCH_COLLECT_ROUNDS,
# WRIT_BENCH_SCALE_ACCOUNTS, WRIT_BENCH_SCALE_DAYS and WRIT_BENCH_SCALE_RUNS pass
# through (see crates/writ-sources/benches/collect.rs).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
export WRIT_BENCH_DIR=${WRIT_BENCH_DIR:-/dev/shm}
export WRIT_SERVICES_DIR=${WRIT_SERVICES_DIR:-$(mktemp -d "$WRIT_BENCH_DIR/writ-collect-services.XXXXXX")}

# shellcheck source=../scripts/lib/services.sh
source "$root/scripts/lib/services.sh"
# shellcheck source=../scripts/lib/dovecot.sh
source "$root/scripts/lib/dovecot.sh"
trap stop_services EXIT

apt_install age isync
start_dovecot
cd "$root"
cargo bench -p writ-sources --bench collect "$@"
