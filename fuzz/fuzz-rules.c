/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-rules.c - rule files (YAML or JSON) through the parser, then one evaluation. */
#include <linux/types.h>
#include <stdint.h>
#include <string.h>

#include "defend/rules.h"
#include "events.h"
#include "moat/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_ruleset *rs = NULL;
	struct moat_error err = { 0 };
	struct moat_rule_view v;
	struct moat_ev_prefix p[MOAT_EV_PREFIX_MAX];

	if (size > MOAT_RULES_MAX_FILE || moat_rules_open(&rs, &err) < 0)
		return 0;
	if (moat_rules_load(rs, data, size, "fuzz", &err) == 0) {
		memset(&v, 0, sizeof(v));
		v.f[MOAT_F_EVT_KIND] = "exec";
		v.f[MOAT_F_PROC_NAME] = "bash";
		v.f[MOAT_F_FD_NAME] = "/etc/shadow";
		for (size_t i = 0; i < moat_rules_count(rs); i++)
			moat_rule_matches(moat_rules_get(rs, i), &v);
		moat_rules_prefixes(rs, p, MOAT_EV_PREFIX_MAX);
		moat_rules_kill_drift(rs);
	}
	moat_rules_close(rs);
	return 0;
}
