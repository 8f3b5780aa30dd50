/* models/metrics.c: confusion-matrix figures and ECE. */
#include "models/metrics.h"

#include <math.h>
#include <string.h>

void
metrics_init(struct metrics *m, size_t k)
{
	memset(m, 0, sizeof(*m));
	m->k = k < METRICS_MAX_CLASSES ? k : METRICS_MAX_CLASSES;
}

void
metrics_add(struct metrics *m, int truth, int pred, double conf)
{
	size_t b;

	if (truth < 0 || (size_t)truth >= m->k)
		return;
	m->n++;
	if (pred < 0 || (size_t)pred >= m->k) {
		m->n_abstain++;
		m->confusion[truth][m->k]++;
		pred = -1;
	} else
		m->confusion[truth][pred]++;
	if (!(conf >= 0))
		conf = 0;
	b = (size_t)(conf * METRICS_ECE_BINS);
	if (b >= METRICS_ECE_BINS)
		b = METRICS_ECE_BINS - 1;
	m->bin_n[b]++;
	m->bin_conf[b] += conf;
	m->bin_correct[b] += pred == truth;
}

void
metrics_finish(struct metrics *m)
{
	size_t correct = 0;
	double f1_sum = 0;

	m->n_macro = 0;
	for (size_t c = 0; c < m->k; c++) {
		size_t tp = m->confusion[c][c], pred_c = 0, true_c = 0;

		for (size_t j = 0; j <= m->k; j++)
			true_c += m->confusion[c][j];
		for (size_t i = 0; i < m->k; i++)
			pred_c += m->confusion[i][c];
		correct += tp;
		m->support[c] = true_c;
		m->precision[c] = pred_c ? (double)tp / (double)pred_c : 0;
		m->recall[c] = true_c ? (double)tp / (double)true_c : 0;
		m->f1[c] = m->precision[c] + m->recall[c] > 0 ?
		    2 * m->precision[c] * m->recall[c] /
		    (m->precision[c] + m->recall[c]) : 0;
		if (true_c > 0) {
			f1_sum += m->f1[c];
			m->n_macro++;
		}
	}
	m->accuracy = m->n ? (double)correct / (double)m->n : 0;
	m->macro_f1 = m->n_macro ? f1_sum / (double)m->n_macro : 0;
	m->ece = 0;
	for (size_t b = 0; b < METRICS_ECE_BINS && m->n > 0; b++)
		if (m->bin_n[b] > 0)
			m->ece += fabs(m->bin_correct[b] - m->bin_conf[b]) /
			    (double)m->n;
}

void
metrics_print(FILE *f, const struct metrics *m, const char *const *names)
{
	fprintf(f, "%-16s %9s %9s %9s %8s\n", "class", "precision", "recall",
	    "f1", "support");
	for (size_t c = 0; c < m->k; c++)
		if (m->support[c] > 0 || m->precision[c] > 0 ||
		    m->confusion[c][c] > 0)
			fprintf(f, "%-16s %9.3f %9.3f %9.3f %8zu\n", names[c],
			    m->precision[c], m->recall[c], m->f1[c],
			    m->support[c]);
	fprintf(f, "confusion (rows: true, columns: predicted; '-': none)\n");
	fprintf(f, "%-16s", "");
	for (size_t c = 0; c < m->k; c++)
		fprintf(f, " %5.5s", names[c]);
	fprintf(f, " %5s\n", "-");
	for (size_t c = 0; c < m->k; c++) {
		if (m->support[c] == 0)
			continue;
		fprintf(f, "%-16s", names[c]);
		for (size_t j = 0; j <= m->k; j++)
			fprintf(f, " %5zu", m->confusion[c][j]);
		fprintf(f, "\n");
	}
}
