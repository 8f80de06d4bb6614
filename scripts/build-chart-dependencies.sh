#!/usr/bin/env bash
# Vendors the charts' file:// dependencies (charts/*/charts/*.tgz, gitignored) in dependency
# order: the services first (they need backend-lib), then the umbrella (it packs the services
# together with their vendored library). Run it after editing any chart, before helm lint,
# template, install or package. HELM overrides the helm binary.
set -euo pipefail
helm=$(command -v "${HELM:-helm}") || { echo "helm not found (set HELM)" >&2; exit 1; }
case $helm in /*) ;; *) helm="$PWD/$helm" ;; esac
cd "$(dirname "$0")/../charts"
for chart in department user point backend; do
  "$helm" dependency update --skip-refresh "$chart" >/dev/null
done
