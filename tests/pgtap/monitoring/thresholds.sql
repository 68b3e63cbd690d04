-- monitoring.alert_thresholds and the severity arithmetic every view relies on.
begin;
select plan(17);

select is(monitoring.classify('dead_tuples', 0.05, 5000), 'ok', 'below every level: ok');
select is(monitoring.classify('dead_tuples', 0.10, 5000), 'info', 'an above check reaches info at its info threshold (>=)');
select is(monitoring.classify('dead_tuples', 0.20, 5000), 'warning', 'an above check reaches warning at its warning threshold');
select is(monitoring.classify('dead_tuples', 0.90, 5000), 'critical', 'an above check is critical past its critical threshold');
select is(monitoring.classify('dead_tuples', 0.90, 10), 'ok', 'a sample under minimum_sample is not judged');
select is(monitoring.classify('cache_hit_ratio', 0.95, 100000), 'ok', 'a below check at its warning threshold is still ok (<)');
select is(monitoring.classify('cache_hit_ratio', 0.93, 100000), 'warning', 'a below check under its warning threshold warns');
select is(monitoring.classify('cache_hit_ratio', 0.50, 100000), 'critical', 'a below check under its critical threshold is critical');
select is(monitoring.classify('no_such_check', 1e9), 'ok', 'an unknown check is ok, never an error');
select is(monitoring.classify('dead_tuples', null, 5000), 'ok', 'no value, no finding');

update monitoring.alert_thresholds set is_enabled = false where check_name = 'dead_tuples';
select is(monitoring.classify('dead_tuples', 0.90, 5000), 'ok', 'a disabled check is silenced');
update monitoring.alert_thresholds set is_enabled = true, warning_threshold = 0.11 where check_name = 'dead_tuples';
select is(monitoring.classify('dead_tuples', 0.12, 5000), 'warning', 'a threshold is data: one UPDATE moves it');

select throws_ok($$update monitoring.alert_thresholds set warning_threshold = 0.99 where check_name = 'dead_tuples'$$,
                 '23514', null, 'levels out of order (warning above critical) are refused');
select throws_ok($$insert into monitoring.alert_thresholds (check_name, direction, unit, description) values ('x', 'sideways', 'ratio', 'd')$$,
                 '23514', null, 'a direction other than above or below is refused');

select is(monitoring.worst_severity('info', 'critical', 'warning', 'ok'), 'critical', 'worst_severity picks the most severe');
select is(monitoring.worst_severity(null, 'nonsense'), 'ok', 'worst_severity of nothing is ok');
select is(array(select monitoring.severity_rank(s) from unnest(array['ok', 'info', 'warning', 'critical']) as s),
          array[0, 1, 2, 3], 'severities rank ok < info < warning < critical');

select * from finish();
rollback;
