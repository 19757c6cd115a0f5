#!/bin/bash
# make test's proof of the course labs (docs/labs/README.md): the reference scores full marks on each
# lab, each generated student tree builds and scores less. One PASS:/FAIL: line per check.
cd "$(dirname "$0")/../.." && exec python3 tests/labs/lab.py check
