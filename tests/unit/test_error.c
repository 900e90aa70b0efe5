#include <signal.h>

#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "cmd/output.h"
#include "error.h"

Test(error, exit_status_of_each_code)
{
	cr_assert_eq(graft_exit_status(GRAFT_OK), 0);
	cr_assert_eq(graft_exit_status(GRAFT_EFAIL), 1);
	cr_assert_eq(graft_exit_status(GRAFT_EROLLBACK), 3);
	cr_assert_eq(graft_exit_status(GRAFT_EFATAL), 128);
	cr_assert_eq(graft_exit_status(GRAFT_EUSAGE), 129);
	cr_assert_eq(graft_exit_status(GRAFT_EHUP), 129);
	cr_assert_eq(graft_exit_status(GRAFT_EINT), 130);
	cr_assert_eq(graft_exit_status(GRAFT_EQUIT), 131);
	cr_assert_eq(graft_exit_status(GRAFT_ETERM), 143);
}

/* SIGHUP and a usage error both exit 129, but are not the same inside */
Test(error, an_interruption_is_no_usage_error)
{
	cr_assert_neq(GRAFT_EHUP, GRAFT_EUSAGE);
	cr_assert_eq(graft_code_signal(GRAFT_EUSAGE), 0);
	cr_assert_eq(graft_code_signal(GRAFT_EFATAL), 0);
	cr_assert_eq(graft_code_signal(GRAFT_EFAIL), 0);
	cr_assert_eq(graft_code_signal(GRAFT_EHUP), SIGHUP);
	cr_assert_eq(graft_code_signal(graft_signal_code(SIGQUIT)), SIGQUIT);
	cr_assert_eq(graft_signal_code(SIGTERM), GRAFT_ETERM);
}

Test(error, report_returns_the_exit_status, .init = cr_redirect_stderr)
{
	graft_error_code(GRAFT_EQUIT, "interrupted by SIGQUIT");
	cr_assert_eq(graft_error_report(GRAFT_EQUIT), 131);
	cr_assert_str_eq(graft_error_message(), "");
	cr_assert_stderr_eq_str("error: interrupted by SIGQUIT\n");
}
