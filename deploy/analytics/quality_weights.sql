-- Deploy platform:analytics/quality_weights to pg
-- The quality score's weights are data, not code. Two global catalogs (not tenant-owned: one
-- scoring policy for the platform, so scores compare across organizations), readable by every
-- user, tuned by operators (service_role):
--
--   issue_severity_weights   how much one open issue of each severity weighs;
--   quality_score_weights    per component: its weight in the score, and the measured value at
--                            which the component scores 100 (full_at) and 0 (zero_at).
--
-- The score (analytics.calculate_quality_score, explained row by row by
-- analytics.explain_quality_score) is, for the latest successful run of a repository:
--
--   measured value per component
--     issues      = sum(severity weight x open issues of that severity) / max(KLOC, 1)
--     coverage    = line-weighted mean coverage % of the run's files (files without coverage
--                   data are left out; no coverage data at all leaves the component out)
--     duplication = line-weighted mean duplication % of the run's files
--     complexity  = cyclomatic complexity per 100 lines of code
--   component score = 100 x clamp((zero_at - value) / (zero_at - full_at), 0, 1)
--   score           = sum(weight x component score) / sum(weight of the components measured)
--
-- rounded to two decimals: 0 (worst) to 100 (best).

begin;

create table analytics.issue_severity_weights (
  severity     text        not null,
  weight       numeric     not null,
  description  text        not null,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  constraint issue_severity_weights_pkey primary key (severity),
  constraint issue_severity_weights_severity_check
    check (severity in ('info', 'minor', 'major', 'critical', 'blocker')),
  constraint issue_severity_weights_weight_check check (weight >= 0 and weight <= 1000),
  constraint issue_severity_weights_description_check check (length(description) between 1 and 500)
);

comment on table analytics.issue_severity_weights is
  'Global: the weight of one open code issue of each severity in the quality score''s issue density (weighted issues per KLOC). Tuned by operators.';
comment on column analytics.issue_severity_weights.weight is 'Weighted-issue points one open issue of this severity adds (0 ignores the severity).';

insert into analytics.issue_severity_weights (severity, weight, description) values
  ('info',     0,  'Informational: does not lower the score.'),
  ('minor',    1,  'Minor issue: one point.'),
  ('major',    3,  'Major issue: three points.'),
  ('critical', 10, 'Critical issue: ten points.'),
  ('blocker',  20, 'Blocker: twenty points.');

create table analytics.quality_score_weights (
  component    text        not null,
  weight       numeric     not null,
  full_at      numeric     not null,
  zero_at      numeric     not null,
  description  text        not null,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  constraint quality_score_weights_pkey primary key (component),
  constraint quality_score_weights_component_check
    check (component in ('issues', 'coverage', 'duplication', 'complexity')),
  constraint quality_score_weights_weight_check check (weight >= 0 and weight <= 100),
  constraint quality_score_weights_full_at_check check (full_at <> zero_at),
  constraint quality_score_weights_description_check check (length(description) between 1 and 500)
);

comment on table analytics.quality_score_weights is
  'Global: each quality-score component''s weight and its scale. component score = 100 x clamp((zero_at - value) / (zero_at - full_at), 0, 1); the score is the weighted mean over the components a run measured.';
comment on column analytics.quality_score_weights.weight is 'Relative weight of the component (weights need not sum to 1; the score divides by the sum).';
comment on column analytics.quality_score_weights.full_at is 'Measured value at (or beyond) which the component scores 100.';
comment on column analytics.quality_score_weights.zero_at is 'Measured value at (or beyond) which the component scores 0.';

insert into analytics.quality_score_weights (component, weight, full_at, zero_at, description) values
  ('issues',      0.40, 0,  10, 'Severity-weighted open issues per KLOC: 0 scores 100, 10 or more scores 0.'),
  ('coverage',    0.25, 80, 0,  'Line-weighted test coverage %: 80% or more scores 100, 0% scores 0.'),
  ('duplication', 0.15, 3,  25, 'Line-weighted duplicated code %: 3% or less scores 100, 25% or more scores 0.'),
  ('complexity',  0.20, 10, 40, 'Cyclomatic complexity per 100 lines of code: 10 or less scores 100, 40 or more scores 0.');

create trigger _100_set_updated_at
  before update on analytics.issue_severity_weights
  for each row execute function base.tg__set_updated_at();
create trigger _100_set_updated_at
  before update on analytics.quality_score_weights
  for each row execute function base.tg__set_updated_at();

alter table analytics.issue_severity_weights enable row level security;
alter table analytics.quality_score_weights enable row level security;

create policy select_all on analytics.issue_severity_weights
  for select to authenticated using (true);
comment on policy select_all on analytics.issue_severity_weights is 'Every user may read how scores are computed.';
create policy all_service_role on analytics.issue_severity_weights
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.issue_severity_weights is 'Operators tune the weights.';

create policy select_all on analytics.quality_score_weights
  for select to authenticated using (true);
comment on policy select_all on analytics.quality_score_weights is 'Every user may read how scores are computed.';
create policy all_service_role on analytics.quality_score_weights
  for all to service_role using (true) with check (true);
comment on policy all_service_role on analytics.quality_score_weights is 'Operators tune the weights.';

grant select on analytics.issue_severity_weights, analytics.quality_score_weights to authenticated;
grant select on analytics.issue_severity_weights, analytics.quality_score_weights to service_role;
grant update (weight, description) on analytics.issue_severity_weights to service_role;
grant update (weight, full_at, zero_at, description) on analytics.quality_score_weights to service_role;

commit;
