#include <string.h>

#include <criterion/criterion.h>

#include "formats/trailers.h"
#include "strbuf.h"

#define A "0123456789abcdef0123456789abcdef01234567"
#define B "89abcdef0123456789abcdef0123456789abcdef"

Test(trailers, format_then_parse_round_trips)
{
	struct graft_trailers t = {
		.action = GRAFT_ACTION_UPGRADE, .dependency = "meta-kb",
		.from_ref = "v1.5.0", .from_commit = A,
		.to_ref = "v2.0.0", .to_commit = B,
	};
	struct graft_trailers back = GRAFT_TRAILERS_INIT;
	struct strbuf msg = STRBUF_INIT;

	trailers_format_message(&msg, &t);
	cr_assert_str_eq(msg.buf,
			 "graft: upgrade meta-kb v1.5.0 -> v2.0.0\n\n"
			 "Graft-Dependency: meta-kb\n"
			 "Graft-Action: upgrade\n"
			 "Graft-From: v1.5.0 " A "\n"
			 "Graft-To: v2.0.0 " B "\n");
	cr_assert_eq(trailers_parse(&back, msg.buf), 0);
	cr_assert_eq(back.action, GRAFT_ACTION_UPGRADE);
	cr_assert_str_eq(back.dependency, "meta-kb");
	cr_assert_str_eq(back.from_ref, "v1.5.0");
	cr_assert_str_eq(back.from_commit, A);
	cr_assert_str_eq(back.to_ref, "v2.0.0");
	cr_assert_str_eq(back.to_commit, B);
	cr_assert_null(back.reverts);
	trailers_release(&back);
	strbuf_release(&msg);
}

Test(trailers, skipped_commands_round_trip_in_order)
{
	struct graft_skipped skipped[] = {
		{ GRAFT_SKIPPED_MIGRATION, "v2.0.0" },
		{ GRAFT_SKIPPED_VERIFY, "v2.0.0" },
		{ GRAFT_SKIPPED_MIGRATION, "v3.0.0" },
	};
	struct graft_trailers t = {
		.action = GRAFT_ACTION_UPGRADE, .dependency = "meta-kb",
		.from_ref = "v1.5.0", .from_commit = A,
		.to_ref = "v3.0.0", .to_commit = B,
		.skipped = skipped, .skipped_nr = 3,
	};
	struct graft_trailers back = GRAFT_TRAILERS_INIT;
	struct strbuf msg = STRBUF_INIT;
	size_t i;

	trailers_format_message(&msg, &t);
	cr_assert_str_eq(msg.buf,
			 "graft: upgrade meta-kb v1.5.0 -> v3.0.0\n\n"
			 "Graft-Dependency: meta-kb\n"
			 "Graft-Action: upgrade\n"
			 "Graft-From: v1.5.0 " A "\n"
			 "Graft-To: v3.0.0 " B "\n"
			 "Graft-Skipped: migration v2.0.0\n"
			 "Graft-Skipped: verify v2.0.0\n"
			 "Graft-Skipped: migration v3.0.0\n");
	cr_assert_eq(trailers_parse(&back, msg.buf), 0);
	cr_assert_eq(back.skipped_nr, 3);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(back.skipped[i].command, skipped[i].command);
		cr_assert_str_eq(back.skipped[i].change, skipped[i].change);
	}
	trailers_release(&back);
	strbuf_release(&msg);
}

Test(trailers, a_commit_of_a_series_round_trips)
{
	struct graft_skipped skipped[] = { { GRAFT_SKIPPED_VERIFY, "v2.0.0" } };
	struct graft_trailers t = {
		.action = GRAFT_ACTION_UPGRADE, .dependency = "meta-kb",
		.from_ref = "v1.5.0", .from_commit = A,
		.to_ref = "v3.0.0", .to_commit = B,
		.skipped = skipped, .skipped_nr = 1,
		.change = "v2.0.0", .series_pos = 1, .series_len = 2,
	};
	struct graft_trailers back = GRAFT_TRAILERS_INIT;
	struct strbuf msg = STRBUF_INIT;

	trailers_format_message(&msg, &t);
	cr_assert_str_eq(msg.buf,
			 "graft: upgrade meta-kb v1.5.0 -> v3.0.0 (1/2: v2.0.0)\n\n"
			 "Graft-Dependency: meta-kb\n"
			 "Graft-Action: upgrade\n"
			 "Graft-From: v1.5.0 " A "\n"
			 "Graft-To: v3.0.0 " B "\n"
			 "Graft-Change: v2.0.0\n"
			 "Graft-Series: 1/2\n"
			 "Graft-Skipped: verify v2.0.0\n");
	cr_assert_eq(trailers_parse(&back, msg.buf), 0);
	cr_assert_str_eq(back.change, "v2.0.0");
	cr_assert_eq(back.series_pos, 1);
	cr_assert_eq(back.series_len, 2);
	cr_assert_eq(back.skipped_nr, 1);
	trailers_release(&back);
	strbuf_release(&msg);
}

Test(trailers, rollback_carries_reverts)
{
	struct graft_trailers t = {
		.action = GRAFT_ACTION_ROLLBACK, .dependency = "meta-kb",
		.from_ref = "v2.0.0", .from_commit = B,
		.to_ref = "v1.5.0", .to_commit = A, .reverts = A,
	};
	struct graft_trailers back = GRAFT_TRAILERS_INIT;
	struct strbuf msg = STRBUF_INIT;

	trailers_format_message(&msg, &t);
	cr_assert(strstr(msg.buf, "graft: rollback meta-kb v2.0.0 -> v1.5.0\n"));
	cr_assert_eq(trailers_parse(&back, msg.buf), 0);
	cr_assert_eq(back.action, GRAFT_ACTION_ROLLBACK);
	cr_assert_str_eq(back.reverts, A);
	trailers_release(&back);
	strbuf_release(&msg);
}

Test(trailers, ordinary_and_malformed_messages_are_not_graft_commits)
{
	static const char *const messages[] = {
		"fix a typo\n",
		"mention Graft-Action: upgrade in prose\n",
		"x\n\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: delete\nGraft-From: v1 " A "\nGraft-To: v2 " B "\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: v1 abc\nGraft-To: v2 " B "\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: " A "\nGraft-To: v2 " B "\n",
		"x\n\nGraft-Dependency: ../d\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: a..b " A "\nGraft-To: v2 " B "\n",
		"x\n\nGraft-Dependency: d\nGraft-Dependency: e\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: rollback\nGraft-From: v1 " A "\nGraft-To: v2 " B "\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Reverts: " A "\n",
		/* a skip must name the command and a valid ref, on an upgrade */
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Skipped: migration\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Skipped: tests v2\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Skipped: verify a..b\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Skipped: verify-ish v2\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: rollback\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Reverts: " A "\nGraft-Skipped: verify v2\n",
		/* a commit of a series names its change and its place, both valid */
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Change: v2\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Series: 1/2\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Change: a..b\nGraft-Series: 1/2\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Change: v2\nGraft-Series: 3/2\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Change: v2\nGraft-Series: 0/2\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Change: v2\nGraft-Series: 01/2\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Change: v2\nGraft-Series: 1/99999\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Change: v2\nGraft-Series: 1/2x\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: upgrade\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Change: v2\nGraft-Change: v3\nGraft-Series: 1/2\n",
		"x\n\nGraft-Dependency: d\nGraft-Action: rollback\nGraft-From: v1 " A "\nGraft-To: v2 " B "\nGraft-Reverts: " A "\nGraft-Change: v2\nGraft-Series: 1/1\n",
		"",
	};
	size_t i;

	for (i = 0; i < sizeof(messages) / sizeof(*messages); i++) {
		struct graft_trailers t = GRAFT_TRAILERS_INIT;

		cr_assert_eq(trailers_parse(&t, messages[i]), 1, "case %zu accepted", i);
	}
}

Test(trailers, other_trailers_are_allowed)
{
	const char *msg = "graft: upgrade d v1 -> v2\n\nSigned-off-by: A <a@b>\n"
			  "Graft-Dependency: d\nGraft-Action: upgrade\n"
			  "Graft-From: v1 " A "\nGraft-To: v2 " B "\n";
	struct graft_trailers t = GRAFT_TRAILERS_INIT;

	cr_assert_eq(trailers_parse(&t, msg), 0);
	cr_assert_str_eq(t.dependency, "d");
	trailers_release(&t);
}
