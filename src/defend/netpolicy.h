/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netpolicy.h - an image's learned allow-list as a Kubernetes NetworkPolicy
 * (networking.k8s.io/v1, JSON, which kubectl applies as it does YAML):
 * policyTypes [Egress]; one egress rule per learned entry, by ipBlock for
 * CIDRs and by podSelector for images; ports by number and TCP/UDP.
 *
 * Pods are selected by labels: the policy's own pods by opts->selector
 * ("key=value" strings), else by app.kubernetes.io/name = the image's
 * repository name; a destination image by that same convention
 * (docs/network.md). DNS entries have no NetworkPolicy form and are
 * counted in *ret_skipped.
 */
#ifndef MOAT_DEFEND_NETPOLICY_H
#define MOAT_DEFEND_NETPOLICY_H

#include <stddef.h>

struct moat_buf;
struct moat_error;
struct moat_netmodel;
struct moat_state;

struct moat_netpolicy_opts {
	const char *image_ref;              /* the image the model belongs to */
	const char *name;                   /* metadata.name; NULL = moat-<repository> */
	const char *k8s_namespace;          /* NULL = none (kubectl's current namespace) */
	const char *const *selector;        /* "key=value" */
	size_t n_selector;
};

/* The label value an image reference selects by: its repository's last
 * path component, cut to what a label value allows ("" when nothing is left). */
void moat_netpolicy_label(const char *image_ref, char out[64]);

/* MOAT_E_USAGE for a bad selector or name. */
int moat_netpolicy_write(const struct moat_netmodel *m, const struct moat_netpolicy_opts *o,
			 struct moat_buf *out, size_t *ret_skipped, struct moat_error *err);

/*
 * The NetworkPolicy of image key in the state directory: its network.json
 * read, parsed and written as above, ending in a newline. o->image_ref NULL
 * = the first reference the image ran under. MOAT_E_NOTFOUND naming image
 * (as the user gave it) when nothing was learned yet. `moat network policy`
 * and `moat baseline export --network-policy` both call it.
 */
int moat_netpolicy_export(struct moat_state *st, const char *key, const char *image,
			  const struct moat_netpolicy_opts *o, struct moat_buf *out,
			  size_t *ret_skipped, struct moat_error *err);

#endif
