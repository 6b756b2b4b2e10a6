package bus

import (
	"errors"
	"fmt"

	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/freeflowuniverse/planetary/rmb/store"
)

type metrics struct {
	refused     *prometheus.CounterVec
	sendRefused *prometheus.CounterVec
	failed      *prometheus.CounterVec
	sent        prometheus.Counter
	acked       prometheus.Counter
	received    prometheus.Counter
	retries     prometheus.Counter
	expired     prometheus.Counter
	outbox      prometheus.Gauge

	// batches and batched count delivery batches sent and the envelopes and notices they carried.
	batches, batched atomic.Uint64
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rmb_envelopes_refused_total",
			Help: "Envelopes from other PNICs refused, by reason (tampered, replay, wrong_destination, expired, malformed, too_large, unknown_twin, over_quota)."}, []string{"reason"}),
		sendRefused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rmb_send_refused_total",
			Help: "Envelopes from local twins refused by Send, by reason."}, []string{"reason"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rmb_delivery_failures_total",
			Help: "Envelopes given up on and reported to their sending twin, by error code."}, []string{"code"}),
		sent:     prometheus.NewCounter(prometheus.CounterOpts{Name: "rmb_envelopes_sent_total", Help: "Envelopes accepted into the outbox."}),
		acked:    prometheus.NewCounter(prometheus.CounterOpts{Name: "rmb_envelopes_acked_total", Help: "Outbox items acknowledged by the receiving PNIC."}),
		received: prometheus.NewCounter(prometheus.CounterOpts{Name: "rmb_envelopes_received_total", Help: "Envelopes persisted into a local twin's inbox."}),
		retries:  prometheus.NewCounter(prometheus.CounterOpts{Name: "rmb_delivery_retries_total", Help: "Delivery attempts that will be retried."}),
		expired:  prometheus.NewCounter(prometheus.CounterOpts{Name: "rmb_inbox_expired_total", Help: "Inbox items that expired before their twin took them."}),
		outbox:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "rmb_outbox_items", Help: "Items waiting in the outbox."}),
	}
	if reg == nil {
		return m, nil
	}
	batches := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rmb_delivery_batches_total",
		Help: "Delivery requests that carried several envelopes at once."}, func() float64 { return float64(m.batches.Load()) })
	batched := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rmb_delivery_batched_total",
		Help: "Envelopes and notices delivered inside those batches."}, func() float64 { return float64(m.batched.Load()) })
	for _, c := range []prometheus.Collector{m.refused, m.sendRefused, m.failed, m.sent, m.acked, m.received, m.retries, m.expired, m.outbox, batches, batched} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, fmt.Errorf("bus: metrics already registered (one bus per registry): %w", err)
			}
			return nil, fmt.Errorf("bus: register metrics: %w", err)
		}
	}
	return m, nil
}

// registerStoreMetrics exports the store's counters.
func registerStoreMetrics(reg prometheus.Registerer, st *store.Store) error {
	if reg == nil {
		return nil
	}
	for _, c := range []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rmb_store_writes_total",
			Help: "Writes to the bus's store (each may hold several changes)."}, func() float64 { return float64(st.Stats().Writes) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rmb_store_commits_total",
			Help: "Batches the store committed, each gathering the writes that arrived together."}, func() float64 { return float64(st.Stats().Commits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rmb_store_syncs_total",
			Help: "Batches synced to disk before their writers were answered (one fsync each)."}, func() float64 { return float64(st.Stats().Syncs) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rmb_store_window_syncs_total",
			Help: "Fsyncs of the relaxed sync window (zero unless the bus is relaxed)."}, func() float64 { return float64(st.Stats().WindowSyncs) }),
	} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("bus: register store metrics: %w", err)
		}
	}
	return nil
}
