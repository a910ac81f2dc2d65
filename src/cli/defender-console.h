/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defender-console.h - `moat defender --console`: the credentials (an API
 * token, or the defender's own identity from a join token), the uplink
 * that carries alerts, and the control channel (heartbeat, policy pull).
 */
#ifndef MOAT_CLI_DEFENDER_CONSOLE_H
#define MOAT_CLI_DEFENDER_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

struct moat_error;
struct moat_uplink;
struct moat_console_ctl;

struct defender_console_opts {
	const char *url;                /* NULL: no console */
	const char *token;              /* --token */
	const char *token_file;
	const char *join_token;
	const char *join_token_file;
	const char *cacert;
	const char *spool_dir;          /* NULL: STATE/uplink */
	uint64_t spool_max_bytes;
	const char *state_dir;          /* NULL: the default */
	unsigned interval_ms;           /* heartbeat and policy pull; 0 = 30 s */
};

struct defender_console {
	struct moat_uplink *uplink;
	struct moat_console_ctl *ctl;
	char *token;                    /* the credential in use (image scans upload with it) */
	char spool_dir[4096];
};

/* Open both (nothing with no url). Usage errors as MOAT_E_USAGE. */
int defender_console_open(const struct defender_console_opts *o, struct defender_console *dc,
			  struct moat_error *err);
/* Stop the control channel and wipe the token (the uplink is the caller's
 * to stop and close). */
void defender_console_close(struct defender_console *dc);
/* For the heartbeat: rules in force, alerts printed (any thread). */
void defender_console_note(size_t rules, uint64_t alerts);
/* For the heartbeat: the node's image scans (NULL: none). */
struct defender_scan;
void defender_console_note_scans(struct defender_scan *scan);
/* For the heartbeat's last_error: why the console's last policy was not
 * applied (NULL or "" once one was; any thread). */
void defender_console_policy_error(const char *msg);

#endif
