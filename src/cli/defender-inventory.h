/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defender-inventory.h - the defender's container inventory for the console:
 * what each container it knows runs as (privileged, user, published ports,
 * image), handed to the uplink when the set or a container's facts change
 * and every few minutes besides (a console that lost it, or restarted,
 * learns it again); a container that stopped or went away is sent once
 * more with "running": false. The console scores images from it
 * (docs/risk.md).
 */
#ifndef MOAT_CLI_DEFENDER_INVENTORY_H
#define MOAT_CLI_DEFENDER_INVENTORY_H

struct moat_containers;
struct moat_uplink;
struct defender_inventory;

/* Resent unchanged this often (seconds). */
#define DEFENDER_INVENTORY_REFRESH_SEC 120

/* To up (kept by the caller), naming node. NULL when out of memory (then
 * there is no inventory; alerts still go). */
struct defender_inventory *defender_inventory_new(struct moat_uplink *up, const char *node);
/* Call from the main loop: looks at most once a second. NULL: no-op. */
void defender_inventory_tick(struct defender_inventory *inv, const struct moat_containers *cs);
void defender_inventory_free(struct defender_inventory *inv);

#endif
