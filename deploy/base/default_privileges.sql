-- Deploy platform:base/default_privileges to pg
-- PostgreSQL lets PUBLIC execute every new function by default. Every function of the package
-- revokes that explicitly, and this default makes sure one that forgets (or a hot-fix written by
-- hand as the owner) is still not exposed: from now on functions created by the deploying role
-- start with no EXECUTE for PUBLIC. Tables and sequences already start with no privileges for
-- anyone but their owner, so they need nothing here.

begin;

alter default privileges revoke execute on functions from public;

commit;
