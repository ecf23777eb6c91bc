//! Fuzzes the Python front end and resolver of `needs::scan`: any bytes, read as a Python
//! file (lossy UTF-8) beside a second module that star-imports it, must scan without a
//! panic. Crashes go to tests/fuzz/regressions-scan/, replayed by tests/scan.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pydynox_iam::needs::scan::{ScanOptions, scan_sources};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let files = vec![
        ("pkg/a.py".to_string(), text),
        ("pkg/b.py".to_string(), "from pkg.a import *\nfrom .a import X as Y\nY.sync_get(pk=1)\n".to_string()),
    ];
    let _ = scan_sources(&files, &[], &ScanOptions { parse_all: true, threads: 1, ..ScanOptions::default() });
});
