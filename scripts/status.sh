#!/usr/bin/env bash
# Short status of a deployed database: Sqitch's view of it, the deploy history, and the health
# views once the monitoring module is deployed.
set -euo pipefail
source "$(dirname "$0")/dbenv.sh"
url=${1:-$TARGET_URL}

sqitch status "$(sqitch_target "$url")" | sed -n '1,12p'
echo
psql_url "$url" -P pager=off <<'SQL'
\echo 'Deployed changes (base.schema_migrations, newest first):'
select change_name, tag, deployed_at::timestamptz(0) as deployed_at, deployed_by
  from base.schema_migrations order by deployed_at desc limit 10;
select exists (select from pg_catalog.pg_namespace where nspname = 'monitoring') as has_monitoring \gset
\if :has_monitoring
\echo 'Health (monitoring.system_health):'
select * from monitoring.system_health;
\echo 'Alerts (monitoring.critical_alerts):'
select severity, check_name, object_name, left(details, 80) as details from monitoring.critical_alerts;
\else
\echo 'Health: the monitoring module is not deployed yet.'
\endif
SQL
