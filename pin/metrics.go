package pin

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type metrics struct {
	reg     *prometheus.Registry
	pins    *prometheus.CounterVec
	fetched prometheus.Counter
	served  prometheus.Counter
	added   prometheus.Counter
	reqs    *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg:     prometheus.NewRegistry(),
		pins:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pind_pins_total", Help: "Pin jobs finished, by final status."}, []string{"status"}),
		fetched: prometheus.NewCounter(prometheus.CounterOpts{Name: "pind_blocks_fetched_total", Help: "Blocks fetched from other nodes as CARs."}),
		served:  prometheus.NewCounter(prometheus.CounterOpts{Name: "pind_gateway_bytes_total", Help: "Bytes the gateway served."}),
		added:   prometheus.NewCounter(prometheus.CounterOpts{Name: "pind_added_bytes_total", Help: "Bytes imported through /api/v0/add."}),
		reqs:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pind_http_requests_total", Help: "API requests by route and status code."}, []string{"route", "code"}),
	}
	m.reg.MustRegister(m.pins, m.fetched, m.served, m.added, m.reqs, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
