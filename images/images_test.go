package images

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cometbft/cometbft/p2p"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/freeflowuniverse/planetary/chain/node"
	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/pnic"
)

// zinitService is the zinit service file schema.
type zinitService struct {
	Exec    string            `json:"exec"`
	Test    string            `json:"test,omitempty"`
	Oneshot bool              `json:"oneshot,omitempty"`
	After   []string          `json:"after,omitempty"`
	Log     string            `json:"log,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	Signal  struct {
		Stop string `json:"stop"`
	} `json:"signal,omitempty"`
}

// zinitServices are the services the flist runs, by file name, and the program each one execs.
var zinitServices = map[string]string{"chaind-init": "chaind", "chaind": "chaind", "pnicd": "pnicd", "twind": "twind", "pind": "pind"}

// loadZinit decodes every service file strictly.
func loadZinit(t *testing.T) map[string]zinitService {
	files, _ := filepath.Glob("rootfs/etc/zinit/*.yaml")
	out := map[string]zinitService{}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		var s zinitService
		if err := yaml.UnmarshalStrict(data, &s); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".yaml")] = s
	}
	return out
}

// TestZinitServices: pnicd, twind, pind and chaind (and chaind's first-start oneshot) decode
// strictly, exec their programs, start in order (chaind-init, chaind, pnicd, then twind and pind),
// stop with SIGTERM, log, and have health checks for test lines; pnicd's config file is one pnicd
// accepts.
func TestZinitServices(t *testing.T) {
	svcs := loadZinit(t)
	if len(svcs) != len(zinitServices) {
		t.Fatalf("zinit services %v, want %v", slices.Sorted(maps.Keys(svcs)), slices.Sorted(maps.Keys(zinitServices)))
	}
	for name, prog := range zinitServices {
		s, ok := svcs[name]
		if !ok {
			t.Errorf("no zinit service %s", name)
			continue
		}
		if !strings.Contains(s.Exec, "/usr/bin/"+prog+" ") || (s.Log != "stdout" && s.Log != "ring") {
			t.Errorf("%s: %+v: want exec of /usr/bin/%s, log stdout or ring", name, s, prog)
		}
		for _, a := range s.After {
			if _, ok := svcs[a]; !ok {
				t.Errorf("%s: after unknown service %q", name, a)
			}
		}
		if s.Oneshot {
			continue
		}
		// A long-running service stops on SIGTERM and is tested by asking it, not its binary.
		if s.Signal.Stop != "SIGTERM" {
			t.Errorf("%s: stop signal %q, want SIGTERM", name, s.Signal.Stop)
		}
		if strings.Contains(s.Test, "version") || !(s.Test == "/usr/bin/pnicd status" ||
			strings.Contains(s.Test, "/usr/bin/gridctl probe ") && (strings.Contains(s.Test, "/healthz") || strings.Contains(s.Test, "/health") || strings.Contains(s.Test, "/readyz"))) {
			t.Errorf("%s: test %q is no health check (pnicd status, or gridctl probe of /healthz, /health or /readyz)", name, s.Test)
		}
	}
	if !svcs["chaind-init"].Oneshot {
		t.Error("chaind-init must be a oneshot")
	}
	for svc, want := range map[string][]string{"chaind": {"chaind-init"}, "pnicd": {"chaind"}, "twind": {"pnicd", "chaind"}, "pind": {"pnicd", "chaind"}} {
		for _, w := range want {
			if !slices.Contains(svcs[svc].After, w) {
				t.Errorf("%s: after %v, want it after %s", svc, svcs[svc].After, w)
			}
		}
	}
	c, err := pnic.LoadConfigFile("rootfs/etc/planetary/pnicd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WithDefaults().Validate(); err != nil {
		t.Fatalf("pnicd.yaml: %v", err)
	}
	if c.HTTP != "127.0.0.1:9652" {
		t.Errorf("pnicd.yaml http %q: pnicd status (the test line) asks 127.0.0.1:9652", c.HTTP)
	}
}

// shellOf returns the script of a `/bin/sh -c '...'` zinit line, with /usr/bin/ programs taken
// from bin instead.
func shellOf(t *testing.T, line, bin string) string {
	script, ok := strings.CutPrefix(line, "/bin/sh -c '")
	if !ok || !strings.HasSuffix(script, "'") {
		t.Fatalf("%q: want /bin/sh -c '...'", line)
	}
	return strings.ReplaceAll(strings.TrimSuffix(script, "'"), "/usr/bin/", bin+"/")
}

// runShell runs a zinit line's script with env and reports its error.
func runShell(script string, env ...string) ([]byte, error) {
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = append(os.Environ(), env...)
	return cmd.CombinedOutput()
}

// TestZinitScripts runs the service lines as zinit would, on this machine's binaries: chaind-init
// makes a dev chain once and leaves it alone after (or makes none with CHAIND=off), and the test
// lines pass only when the component's health endpoint answers 200.
func TestZinitScripts(t *testing.T) {
	bin := t.TempDir()
	for _, p := range []string{"chaind", "gridctl"} {
		b := testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/"+p)
		if err := os.Symlink(b, filepath.Join(bin, p)); err != nil {
			t.Fatal(err)
		}
	}
	svcs := loadZinit(t)
	home := filepath.Join(t.TempDir(), "chain")
	initScript := shellOf(t, svcs["chaind-init"].Exec, bin)
	for i := 0; i < 2; i++ {
		if out, err := runShell(initScript, "CHAIND_HOME="+home, "CHAIND_RPC=127.0.0.1:36657"); err != nil {
			t.Fatalf("chaind-init, run %d: %v\n%s", i+1, err, out)
		}
	}
	c, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, "config", "genesis.json")); err != nil || c.RPC != "127.0.0.1:36657" {
		t.Fatalf("chaind-init made no dev chain with its RPC on CHAIND_RPC: %v, rpc %q", err, c.RPC)
	}
	off := filepath.Join(t.TempDir(), "chain")
	if out, err := runShell(initScript, "CHAIND_HOME="+off, "CHAIND=off"); err != nil {
		t.Fatalf("chaind-init with CHAIND=off: %v\n%s", err, out)
	}
	if _, err := os.Stat(off); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("chaind-init with CHAIND=off made %s", off)
	}

	healthy := atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() || (r.URL.Path != "/healthz" && r.URL.Path != "/health" && r.URL.Path != "/readyz") {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	tests := map[string][]string{
		"chaind": {"CHAIND_RPC=" + addr},
		"twind":  {"TWIND_HTTP=" + addr},
		"pind":   {"PIND_HTTP=" + addr},
	}
	for name, env := range tests {
		script := shellOf(t, svcs[name].Test, bin)
		if out, err := runShell(script, env...); err == nil {
			t.Errorf("%s test line passed while the endpoint answers 503:\n%s", name, out)
		}
		healthy.Store(true)
		if out, err := runShell(script, env...); err != nil {
			t.Errorf("%s test line failed while the endpoint answers 200: %v\n%s", name, err, out)
		}
		healthy.Store(false)
	}
	// A machine that is no validator: chaind idles and its test passes, so pnicd and twind start;
	// likewise pind on a machine that pins nothing.
	for svc, env := range map[string][]string{"chaind": {"CHAIND=off", "CHAIND_RPC=" + addr}, "pind": {"PIND=off", "PIND_HTTP=" + addr}} {
		if out, err := runShell(shellOf(t, svcs[svc].Test, bin), env...); err != nil {
			t.Errorf("%s test line with %s: %v\n%s", svc, env[0], err, out)
		}
	}
}

func docs(t *testing.T, path string) [][]byte {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, d := range bytes.Split(data, []byte("\n---\n")) {
		if len(bytes.TrimSpace(d)) > 0 {
			out = append(out, d)
		}
	}
	return out
}

func kindOf(t *testing.T, doc []byte) string {
	var m struct {
		Kind string `json:"kind"`
	}
	if err := yaml.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	return m.Kind
}

// TestKubernetesManifests decodes every manifest into the API types and checks the wiring.
func TestKubernetesManifests(t *testing.T) {
	var ds *appsv1.DaemonSet
	var ss *appsv1.StatefulSet
	var twin *appsv1.Deployment
	services := map[string]*corev1.Service{}
	claims := map[string]*corev1.PersistentVolumeClaim{}
	configs := map[string]*corev1.ConfigMap{}
	files, _ := filepath.Glob("k8s/*.yaml")
	for _, f := range files {
		for _, d := range docs(t, f) {
			var err error
			switch k := kindOf(t, d); k {
			case "DaemonSet":
				ds = &appsv1.DaemonSet{}
				err = yaml.UnmarshalStrict(d, ds)
			case "StatefulSet":
				ss = &appsv1.StatefulSet{}
				err = yaml.UnmarshalStrict(d, ss)
			case "Deployment":
				twin = &appsv1.Deployment{}
				err = yaml.UnmarshalStrict(d, twin)
			case "PersistentVolumeClaim":
				c := &corev1.PersistentVolumeClaim{}
				err = yaml.UnmarshalStrict(d, c)
				claims[c.Name] = c
			case "Service":
				s := &corev1.Service{}
				err = yaml.UnmarshalStrict(d, s)
				services[s.Name] = s
			case "ConfigMap":
				c := &corev1.ConfigMap{}
				err = yaml.UnmarshalStrict(d, c)
				configs[c.Name] = c
			default:
				t.Errorf("%s: unexpected kind %q", f, k)
			}
			if err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
	if ds == nil || ss == nil || twin == nil {
		t.Fatal("want a pnicd DaemonSet, a chaind StatefulSet and a twind Deployment")
	}
	// pnicd: host network, NET_ADMIN, /dev/net/tun from the host, probes on the status server.
	spec := ds.Spec.Template.Spec
	if !spec.HostNetwork || !labelsMatch(ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels) {
		t.Error("pnicd: want hostNetwork and a selector matching the template")
	}
	c := spec.Containers[0]
	if c.SecurityContext == nil || c.SecurityContext.Capabilities == nil || !slices.Contains(c.SecurityContext.Capabilities.Add, "NET_ADMIN") {
		t.Error("pnicd: NET_ADMIN not added")
	}
	if c.LivenessProbe.HTTPGet.Path != "/healthz" || c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.ReadinessProbe.HTTPGet.Port.IntValue() != 9652 {
		t.Error("pnicd: probes must hit /healthz and /readyz on 9652")
	}
	mountsFromVolumes(t, "pnicd", c, spec.Volumes)
	// pnicd's config file, with its peers, comes from a ConfigMap mounted where --config points.
	pnicConfig(t, spec, c, configs)
	tunOK := false
	for _, v := range spec.Volumes {
		if v.HostPath != nil && v.HostPath.Path == "/dev/net/tun" && *v.HostPath.Type == corev1.HostPathCharDev {
			for _, m := range c.VolumeMounts {
				tunOK = tunOK || (m.Name == v.Name && m.MountPath == "/dev/net/tun")
			}
		}
	}
	if !tunOK {
		t.Error("pnicd: /dev/net/tun is not mounted from the host")
	}
	// twind: talks to the node's pnicd through the socket directory the DaemonSet shares.
	pnicSock := argAfter(c.Args, "--socket")
	tc := twin.Spec.Template.Spec.Containers[0]
	twinSock := argAfter(tc.Args, "--pnic")
	if pnicSock == "" || twinSock != pnicSock {
		t.Errorf("twind --pnic %q, pnicd --socket %q: want the same path", twinSock, pnicSock)
	}
	if hostDir(spec, c, filepath.Dir(pnicSock)) == "" || hostDir(spec, c, filepath.Dir(pnicSock)) != hostDir(twin.Spec.Template.Spec, tc, filepath.Dir(twinSock)) {
		t.Error("twind and pnicd do not mount the socket directory from the same host path")
	}
	mountsFromVolumes(t, "twind", tc, twin.Spec.Template.Spec.Volumes)
	// Both find twins on the chain, through the validators' headless Service.
	chainURL := fmt.Sprintf("http://%s-0.%s.%s.svc.cluster.local:26657", ss.Name, ss.Spec.ServiceName, ss.Namespace)
	if argAfter(c.Args, "--chain") != chainURL || argAfter(tc.Args, "--chain") != chainURL {
		t.Errorf("pnicd --chain %q, twind --chain %q: want %q", argAfter(c.Args, "--chain"), argAfter(tc.Args, "--chain"), chainURL)
	}
	pinContainer(t, spec, chainURL)
	if twin.Spec.Replicas == nil || *twin.Spec.Replicas != 1 || twin.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType ||
		!labelsMatch(twin.Spec.Selector.MatchLabels, twin.Spec.Template.Labels) {
		t.Error("twind: want one replica, the Recreate strategy and a selector matching the template")
	}
	for _, v := range twin.Spec.Template.Spec.Volumes {
		if v.PersistentVolumeClaim != nil && claims[v.PersistentVolumeClaim.ClaimName] == nil {
			t.Errorf("twind: claim %q is not defined", v.PersistentVolumeClaim.ClaimName)
		}
	}
	// chaind: a headless Service of the StatefulSet's name selecting its pods (listed before they
	// are ready, so validators find each other), a claim per pod.
	svc := services[ss.Spec.ServiceName]
	if svc == nil || svc.Spec.ClusterIP != "None" || !svc.Spec.PublishNotReadyAddresses || !labelsMatch(svc.Spec.Selector, ss.Spec.Template.Labels) {
		t.Errorf("chaind: want a headless Service %q selecting the pods and publishing them before they are ready", ss.Spec.ServiceName)
	}
	cc := ss.Spec.Template.Spec.Containers[0]
	if len(ss.Spec.VolumeClaimTemplates) != 1 || cc.VolumeMounts[0].Name != ss.Spec.VolumeClaimTemplates[0].Name {
		t.Error("chaind: the volume claim template is not mounted")
	}
	if !slices.Contains(cc.Args, "start") || argAfter(cc.Args, "--home") != cc.VolumeMounts[0].MountPath {
		t.Errorf("chaind args %v: want start --home on the claim's mount %s", cc.Args, cc.VolumeMounts[0].MountPath)
	}
	chainHomes(t, ss)
}

// pinContainer checks the pind container beside pnicd: it runs pind on the chain, its probes ask
// /healthz and /readyz where --http listens, its --data is on a volume of the pod (the node's state
// directory), and every flag it passes is one pind defines.
func pinContainer(t *testing.T, spec corev1.PodSpec, chainURL string) {
	i := slices.IndexFunc(spec.Containers, func(c corev1.Container) bool { return c.Name == "pind" })
	if i < 0 {
		t.Error("pnicd DaemonSet: no pind container")
		return
	}
	c := spec.Containers[i]
	if !slices.Equal(c.Command, []string{"/usr/bin/pind"}) || argAfter(c.Args, "--chain") != chainURL {
		t.Errorf("pind: command %v, --chain %q: want /usr/bin/pind on %s", c.Command, argAfter(c.Args, "--chain"), chainURL)
	}
	port := "9800"
	if h := argAfter(c.Args, "--http"); h != "" {
		port = h[strings.LastIndex(h, ":")+1:]
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil ||
		c.LivenessProbe.HTTPGet.Path != "/healthz" || c.ReadinessProbe.HTTPGet.Path != "/readyz" ||
		c.LivenessProbe.HTTPGet.Port.String() != port || c.ReadinessProbe.HTTPGet.Port.String() != port {
		t.Errorf("pind: probes must hit /healthz and /readyz on %s, where --http listens", port)
	}
	data := argAfter(c.Args, "--data")
	onVolume := false
	for _, m := range c.VolumeMounts {
		onVolume = onVolume || data == m.MountPath || strings.HasPrefix(data, m.MountPath+"/")
	}
	if !onVolume {
		t.Errorf("pind --data %q is on no volume: its blocks and node key would not outlive the pod", data)
	}
	mountsFromVolumes(t, "pind", c, spec.Volumes)
	pindFlags(t, "pind container", strings.Join(c.Args, " "))
}

// pindFlags checks that every --flag in args is one cmd/pind defines.
func pindFlags(t *testing.T, what, args string) {
	src, err := os.ReadFile("../cmd/pind/main.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`--([a-z-]+)`).FindAllStringSubmatch(args, -1) {
		if !regexp.MustCompile(`fs\.[A-Za-z0-9]+\(&?[a-zA-Z]*,? ?"` + m[1] + `"`).Match(src) {
			t.Errorf("%s: pind defines no flag --%s", what, m[1])
		}
	}
}

// withPubKey is the public key part of CometBFT's key files, genesis validators and /status.
type withPubKey struct {
	PubKey struct {
		Value string `json:"value"`
	} `json:"pub_key"`
}

// pnicConfig checks that pnicd's --config file is a key of a ConfigMap mounted at its directory,
// and that pnicd accepts it, with peers and the status address the probes ask.
func pnicConfig(t *testing.T, spec corev1.PodSpec, c corev1.Container, configs map[string]*corev1.ConfigMap) {
	path := argAfter(c.Args, "--config")
	var cm *corev1.ConfigMap
	for _, m := range c.VolumeMounts {
		for _, v := range spec.Volumes {
			if v.Name == m.Name && m.MountPath == filepath.Dir(path) && v.ConfigMap != nil {
				cm = configs[v.ConfigMap.Name]
			}
		}
	}
	if cm == nil || cm.Namespace != "planetary" || cm.Data[filepath.Base(path)] == "" {
		t.Fatalf("pnicd --config %q: no ConfigMap in namespace planetary mounted at %s with key %s", path, filepath.Dir(path), filepath.Base(path))
	}
	f := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(f, []byte(cm.Data[filepath.Base(path)]), 0o600); err != nil {
		t.Fatal(err)
	}
	pc, err := pnic.LoadConfigFile(f)
	if err != nil {
		t.Fatalf("ConfigMap %s: %v", cm.Name, err)
	}
	if err := pc.WithDefaults().Validate(); err != nil {
		t.Fatalf("ConfigMap %s: %v", cm.Name, err)
	}
	if len(pc.Peers) == 0 || pc.WithDefaults().HTTP != "127.0.0.1:9652" {
		t.Errorf("ConfigMap %s: peers %v, http %q: want peers and the status server the probes ask (127.0.0.1:9652)", cm.Name, pc.Peers, pc.HTTP)
	}
}

// chainHomes runs chain-homes.sh for the StatefulSet's replicas and checks what it makes fits the
// StatefulSet: the Secret and ConfigMap its projected volume names, with a home for every ordinal.
// Then it runs the init container's script as pod chaind-1 would, twice, and starts a validator on
// the home it laid out (on loopback ports instead of the pod's, and with its peers out of reach).
func chainHomes(t *testing.T, ss *appsv1.StatefulSet) {
	n := int(*ss.Spec.Replicas)
	cmd := exec.Command("./k8s/chain-homes.sh", strconv.Itoa(n), ss.Namespace)
	cmd.Env = append(os.Environ(), "CHAIND="+testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/chaind"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chain-homes.sh: %v\n%s", err, stderr.Bytes())
	}
	var secret corev1.Secret
	var genesis corev1.ConfigMap
	for _, d := range bytes.Split(out, []byte("\n---\n")) {
		var err error
		switch k := kindOf(t, d); k {
		case "Secret":
			err = yaml.UnmarshalStrict(d, &secret)
		case "ConfigMap":
			err = yaml.UnmarshalStrict(d, &genesis)
		default:
			t.Fatalf("chain-homes.sh made a %q", k)
		}
		if err != nil {
			t.Fatalf("chain-homes.sh output: %v", err)
		}
	}
	spec := ss.Spec.Template.Spec
	if len(spec.InitContainers) != 1 {
		t.Fatal("chaind: want one init container laying out the home")
	}
	ic := spec.InitContainers[0]
	vols := slices.Clone(spec.Volumes)
	for _, c := range ss.Spec.VolumeClaimTemplates {
		vols = append(vols, corev1.Volume{Name: c.Name})
	}
	mountsFromVolumes(t, "chaind init", ic, vols)
	home := ss.Spec.Template.Spec.Containers[0].VolumeMounts[0]
	var src string
	for _, m := range ic.VolumeMounts {
		if m.Name == home.Name && m.MountPath != home.MountPath {
			t.Errorf("chaind init mounts the claim at %s, chaind at %s", m.MountPath, home.MountPath)
		}
		for _, v := range spec.Volumes {
			if v.Name != m.Name || v.Projected == nil {
				continue
			}
			src = m.MountPath
			var names []string
			for _, p := range v.Projected.Sources {
				switch {
				case p.Secret != nil:
					names = append(names, "secret "+p.Secret.Name)
				case p.ConfigMap != nil:
					names = append(names, "configmap "+p.ConfigMap.Name)
				}
			}
			if want := []string{"secret " + secret.Name, "configmap " + genesis.Name}; !slices.Equal(names, want) {
				t.Errorf("chaind init's volume %s projects %v, want %v", v.Name, names, want)
			}
		}
	}
	if src == "" {
		t.Fatal("chaind init mounts no projected volume of the homes")
	}
	if secret.Namespace != ss.Namespace || genesis.Namespace != ss.Namespace || genesis.Data["genesis.json"] == "" {
		t.Fatalf("chain-homes.sh: Secret %s/%s, ConfigMap %s/%s with %d bytes of genesis", secret.Namespace, secret.Name, genesis.Namespace, genesis.Name, len(genesis.Data["genesis.json"]))
	}
	if len(ic.Env) != 1 || ic.Env[0].Name != "POD_NAME" || ic.Env[0].ValueFrom == nil || ic.Env[0].ValueFrom.FieldRef.FieldPath != "metadata.name" {
		t.Errorf("chaind init env %+v: want POD_NAME from metadata.name", ic.Env)
	}
	// The projected volume as the pod sees it: the Secret's and the ConfigMap's keys as files.
	dir := t.TempDir()
	srcDir, homeDir := filepath.Join(dir, "homes"), filepath.Join(dir, "chain")
	os.MkdirAll(srcDir, 0o700)
	ids := make([]string, n)
	for i := 0; i < n; i++ {
		for _, f := range []string{"node_key.json", "priv_validator_key.json", "chaind.json", "priv_validator_state.json"} {
			key := fmt.Sprintf("node%d.%s", i, f)
			if len(secret.Data[key]) == 0 {
				t.Fatalf("Secret %s lacks %s", secret.Name, key)
			}
			os.WriteFile(filepath.Join(srcDir, key), secret.Data[key], 0o600)
		}
		nk, err := p2p.LoadNodeKey(filepath.Join(srcDir, fmt.Sprintf("node%d.node_key.json", i)))
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = string(nk.ID())
	}
	os.WriteFile(filepath.Join(srcDir, "genesis.json"), []byte(genesis.Data["genesis.json"]), 0o600)
	if len(ic.Command) != 2 || ic.Command[1] != "-c" || len(ic.Args) != 1 {
		t.Fatalf("chaind init command %v %v: want /bin/sh -c SCRIPT", ic.Command, ic.Args)
	}
	script := strings.NewReplacer(home.MountPath, homeDir, src, srcDir).Replace(ic.Args[0])
	for i := 0; i < 2; i++ {
		if out, err := runShell(script, "POD_NAME="+ss.Name+"-1"); err != nil {
			t.Fatalf("chaind init, run %d: %v\n%s", i+1, err, out)
		}
		// The validator signs from here on: a second run must leave its signing state alone.
		os.WriteFile(filepath.Join(homeDir, "data", "priv_validator_state.json"), []byte(`{"height": "7", "round": 0, "step": 3}`), 0o600)
	}
	if b, _ := os.ReadFile(filepath.Join(homeDir, "data", "priv_validator_state.json")); !bytes.Contains(b, []byte(`"7"`)) {
		t.Fatalf("a second start of the init container overwrote the signing state: %s", b)
	}
	os.WriteFile(filepath.Join(homeDir, "data", "priv_validator_state.json"), secret.Data["node1.priv_validator_state.json"], 0o600)
	c, err := node.LoadConfig(homeDir)
	if err != nil {
		t.Fatal(err)
	}
	ports := map[string]int32{}
	for _, p := range ss.Spec.Template.Spec.Containers[0].Ports {
		ports[p.Name] = p.ContainerPort
	}
	if c.RPC != fmt.Sprintf("0.0.0.0:%d", ports["rpc"]) || c.P2P != fmt.Sprintf("0.0.0.0:%d", ports["p2p"]) {
		t.Errorf("node1 listens on rpc %s, p2p %s; the pod's ports are %v", c.RPC, c.P2P, ports)
	}
	var want []string
	for j := 0; j < n; j++ {
		if j != 1 {
			want = append(want, fmt.Sprintf("%s@%s-%d.%s.%s.svc.cluster.local:%d", ids[j], ss.Name, j, ss.Spec.ServiceName, ss.Namespace, ports["p2p"]))
		}
	}
	if !slices.Equal(c.Peers, want) {
		t.Errorf("node1's peers %v, want %v", c.Peers, want)
	}
	// Start it: on loopback, with the peers (cluster names) dropped, this home is a validator of
	// the genesis that answers on its RPC as node1.
	lp := testnet.FreePorts(t, 2)
	c.RPC, c.P2P, c.Peers = fmt.Sprintf("127.0.0.1:%d", lp[0]), fmt.Sprintf("127.0.0.1:%d", lp[1]), nil
	if err := node.SaveConfig(homeDir, c); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := node.Start(ctx, homeDir, nil)
	if err != nil {
		t.Fatalf("chaind start on the home the init container laid out: %v", err)
	}
	defer v.Stop()
	var st struct {
		Result struct {
			NodeInfo struct {
				ID      string `json:"id"`
				Network string `json:"network"`
			} `json:"node_info"`
			ValidatorInfo withPubKey `json:"validator_info"`
		} `json:"result"`
	}
	resp, err := http.Get("http://" + c.RPC + "/status") // the node's RPC listens once Start returns
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	// node1 signs with its own validator key, one of the genesis validators.
	var pv withPubKey
	var gen struct {
		Validators []withPubKey `json:"validators"`
	}
	if err := errors.Join(json.Unmarshal(secret.Data["node1.priv_validator_key.json"], &pv), json.Unmarshal([]byte(genesis.Data["genesis.json"]), &gen)); err != nil {
		t.Fatal(err)
	}
	inGenesis := slices.ContainsFunc(gen.Validators, func(v withPubKey) bool { return v.PubKey.Value == pv.PubKey.Value })
	if len(gen.Validators) != n || !inGenesis {
		t.Fatalf("genesis of %d validators, node1's key among them: %v; want %d", len(gen.Validators), inGenesis, n)
	}
	if st.Result.NodeInfo.ID != ids[1] || st.Result.NodeInfo.Network != "planetary-testnet" || st.Result.ValidatorInfo.PubKey.Value != pv.PubKey.Value {
		t.Fatalf("the started node says %+v, want node1 (%s, validator key %s) of planetary-testnet", st.Result, ids[1], pv.PubKey.Value)
	}
}

// argAfter returns the value following flag in args.
func argAfter(args []string, flag string) string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

// hostDir returns the host path mounted at dir in container c, or "".
func hostDir(spec corev1.PodSpec, c corev1.Container, dir string) string {
	for _, m := range c.VolumeMounts {
		if m.MountPath != dir {
			continue
		}
		for _, v := range spec.Volumes {
			if v.Name == m.Name && v.HostPath != nil {
				return v.HostPath.Path
			}
		}
	}
	return ""
}

func labelsMatch(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func mountsFromVolumes(t *testing.T, what string, c corev1.Container, vols []corev1.Volume) {
	for _, m := range c.VolumeMounts {
		if !slices.ContainsFunc(vols, func(v corev1.Volume) bool { return v.Name == m.Name }) {
			t.Errorf("%s: mount %s has no volume", what, m.Name)
		}
	}
}

// TestTerraform parses the Terraform with HCL and checks the deployment boots the flist
// through zinit, that every variable it uses is declared, and that the env vars it gives each VM
// configure pnicd, chaind and twind as their zinit services read them: one validator on the first
// VM, every PNIC and twin on its chain, every PNIC but the first peering the first.
func TestTerraform(t *testing.T) {
	p := hclparse.NewParser()
	schema := &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "terraform"}, {Type: "provider", LabelNames: []string{"name"}},
		{Type: "resource", LabelNames: []string{"type", "name"}}, {Type: "locals"},
		{Type: "variable", LabelNames: []string{"name"}}, {Type: "output", LabelNames: []string{"name"}},
	}}
	declared := map[string]bool{}
	used := map[string]bool{}
	resources := map[string]*hcl.Block{}
	defaults := map[string]cty.Value{}
	locals := map[string]hcl.Expression{}
	files, _ := filepath.Glob("terraform/*.tf")
	for _, f := range files {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", f, diags.Error())
		}
		content, diags := file.Body.Content(schema)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", f, diags.Error())
		}
		for _, b := range content.Blocks {
			switch b.Type {
			case "variable":
				declared[b.Labels[0]] = true
				attrs, _ := b.Body.JustAttributes()
				if d := attrs["default"]; d != nil {
					defaults[b.Labels[0]], _ = d.Expr.Value(nil)
				}
			case "resource":
				resources[b.Labels[0]] = b
			case "locals":
				attrs, _ := b.Body.JustAttributes()
				for name, a := range attrs {
					locals[name] = a.Expr
				}
			}
		}
		collectVars(file.Body, used)
	}
	for v := range used {
		if !declared[v] {
			t.Errorf("var.%s is used but not declared", v)
		}
	}
	if resources["grid_network"] == nil || resources["grid_deployment"] == nil {
		t.Fatal("want grid_network and grid_deployment resources")
	}
	dep, _ := resources["grid_deployment"].Body.Content(&hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "count"}, {Name: "node"}, {Name: "network_name"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "vms"}, {Type: "disks"}},
	})
	if len(dep.Blocks) == 0 {
		t.Fatal("grid_deployment has no vms block")
	}
	var vms *hcl.Block
	for _, b := range dep.Blocks {
		if b.Type == "vms" {
			vms = b
		}
	}
	attrs, _ := vms.Body.JustAttributes()
	flist := attrs["flist"]
	if flist == nil || !refersTo(flist.Expr, "var", "flist") {
		t.Error("vms.flist must be var.flist")
	}
	if ep := attrs["entrypoint"]; ep == nil {
		t.Error("vms has no entrypoint")
	} else if v, _ := ep.Expr.Value(nil); v.AsString() != "/sbin/zinit init" {
		t.Errorf("entrypoint = %s, want /sbin/zinit init", v.AsString())
	}
	if attrs["env_vars"] == nil {
		t.Fatal("vms has no env_vars")
	}
	envOf := func(index int) map[string]string {
		ctx := &hcl.EvalContext{Variables: map[string]cty.Value{
			"var":   cty.ObjectVal(defaults),
			"count": cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(int64(index))}),
		}}
		lv := map[string]cty.Value{}
		for name, e := range locals {
			v, diags := e.Value(ctx)
			if diags.HasErrors() {
				t.Fatalf("local.%s: %s", name, diags.Error())
			}
			lv[name] = v
		}
		ctx.Variables["local"] = cty.ObjectVal(lv)
		v, diags := attrs["env_vars"].Expr.Value(ctx)
		if diags.HasErrors() {
			t.Fatalf("env_vars of VM %d: %s", index, diags.Error())
		}
		env := map[string]string{}
		for k, val := range v.AsValueMap() {
			env[k] = val.AsString()
		}
		return env
	}
	// Every env var is one a zinit service reads.
	var services []byte
	files, _ = filepath.Glob("rootfs/etc/zinit/*.yaml")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		services = append(services, b...)
	}
	first, other := envOf(0), envOf(1)
	for k := range first {
		if !regexp.MustCompile(`\$\{?` + k + `\b`).Match(services) {
			t.Errorf("env var %s is read by no zinit service", k)
		}
	}
	chain := "--chain http://" + first["CHAIND_RPC"]
	if first["CHAIND"] != "on" || other["CHAIND"] != "off" || first["CHAIND_RPC"] != defaults["first_ip"].AsString()+":26657" {
		t.Errorf("chaind: first VM %v, others %v: want CHAIND on the first VM only, its RPC on first_ip", first, other)
	}
	for _, env := range []map[string]string{first, other} {
		if !strings.Contains(env["PNICD_ARGS"], chain) || !strings.Contains(env["TWIND_ARGS"], chain) {
			t.Errorf("env %v: want pnicd and twind on the chain (%s)", env, chain)
		}
	}
	// pind on every VM by default, on the chain, offering var.pin_capacity at var's prices.
	for _, env := range []map[string]string{first, other} {
		want := []string{chain, "--capacity " + defaults["pin_capacity"].AsString(),
			"--price-storage " + defaults["pin_price_storage"].AsBigFloat().String(), "--price-served " + defaults["pin_price_served"].AsBigFloat().String()}
		for _, w := range want {
			if !strings.Contains(env["PIND_ARGS"], w) {
				t.Errorf("PIND_ARGS %q: want %q", env["PIND_ARGS"], w)
			}
		}
		if env["PIND"] != "on" {
			t.Errorf("PIND = %q, want on (var.pind defaults to true)", env["PIND"])
		}
		pindFlags(t, "PIND_ARGS", env["PIND_ARGS"])
	}
	if first["PIND_ARGS"] == other["PIND_ARGS"] {
		t.Errorf("PIND_ARGS %q on two VMs: want each pind under its own --name", first["PIND_ARGS"])
	}
	if strings.Contains(first["PNICD_ARGS"], "--peer") || !strings.Contains(other["PNICD_ARGS"], "--peer quic://"+defaults["first_ip"].AsString()+":9651") {
		t.Errorf("PNICD_ARGS: first VM %q, others %q: want the others to peer the first", first["PNICD_ARGS"], other["PNICD_ARGS"])
	}
}

func refersTo(e hcl.Expression, root, attr string) bool {
	for _, tr := range e.Variables() {
		if tr.RootName() == root && len(tr) > 1 {
			if a, ok := tr[1].(hcl.TraverseAttr); ok && a.Name == attr {
				return true
			}
		}
	}
	return false
}

// collectVars finds every var.X referenced anywhere in a file.
func collectVars(body hcl.Body, used map[string]bool) {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		return
	}
	hclsyntax.VisitAll(sb, func(n hclsyntax.Node) hcl.Diagnostics {
		if e, ok := n.(*hclsyntax.ScopeTraversalExpr); ok && e.Traversal.RootName() == "var" && len(e.Traversal) > 1 {
			if a, ok := e.Traversal[1].(hcl.TraverseAttr); ok {
				used[a.Name] = true
			}
		}
		return nil
	})
}

// TestDockerignore: the container build's context leaves out history, local state (private keys)
// and build output, and keeps everything the Dockerfile copies and the build needs.
func TestDockerignore(t *testing.T) {
	data, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			if strings.HasPrefix(l, "!") {
				t.Fatalf("negated pattern %q: this check does not follow them", l)
			}
			patterns = append(patterns, strings.TrimPrefix(l, "/"))
		}
	}
	ignored := func(path string) bool {
		parts := strings.Split(path, "/")
		for _, p := range patterns {
			pat, anywhere := strings.CutPrefix(p, "**/")
			for i := range parts {
				if !anywhere && i > 0 {
					break
				}
				// A pattern matches a path or any directory above it.
				for j := i + 1; j <= len(parts); j++ {
					if ok, _ := filepath.Match(pat, strings.Join(parts[i:j], "/")); ok {
						return true
					}
				}
			}
		}
		return false
	}
	for _, p := range []string{".git/config", ".grid/dev/a/pnic.key", ".run/a.log", "bin/pnicd", "images/out/rootfs/usr/bin/pnicd",
		"bench/out/grid.txt", "twin/web/node_modules/x/index.js", "grid/grid.test"} {
		if !ignored(p) {
			t.Errorf("%s is sent to the Docker build", p)
		}
	}
	keep := []string{"cmd/pnicd/main.go", "cmd/pind/main.go", "twin/web/dist/index.html", "rmb/schema/twin.capnp.go"}
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(df), "\n") {
		if f := strings.Fields(l); len(f) >= 3 && f[0] == "COPY" && !strings.HasPrefix(f[1], "--from") {
			for _, src := range f[1 : len(f)-1] {
				if src != "." {
					keep = append(keep, strings.TrimSuffix(src, "/"))
				}
			}
		}
	}
	for _, p := range keep {
		if ignored(p) {
			t.Errorf("%s is left out of the Docker build, which needs it", p)
		}
		if _, err := os.Stat(filepath.Join("..", p)); err != nil {
			t.Errorf("the Docker build needs %s: %v", p, err)
		}
	}
}

// TestImageBuild runs make image's script and checks the tarball holds static binaries and
// only the zinit services whose binaries exist.
func TestImageBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every command")
	}
	cmd := exec.Command("./build.sh")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, out)
	}
	f, err := os.Open("out/planetary-rootfs.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	names := map[string]bool{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names[strings.TrimPrefix(h.Name, "./")] = true
		if h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s owned by %d:%d, want root", h.Name, h.Uid, h.Gid)
		}
	}
	want := []string{"etc/planetary/pnicd.yaml", "usr/bin/gridctl"}
	for svc, prog := range zinitServices {
		want = append(want, "etc/zinit/"+svc+".yaml", "usr/bin/"+prog)
	}
	for _, w := range want {
		if !names[w] {
			t.Errorf("tarball lacks %s", w)
		}
	}
	// Every program a packed service runs (exec or test line) is packed, and static.
	progRE := regexp.MustCompile(`/usr/bin/[a-z0-9-]+`)
	for n := range names {
		svc, ok := strings.CutPrefix(n, "etc/zinit/")
		if !ok || svc == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join("out/rootfs", n))
		if err != nil {
			t.Fatal(err)
		}
		for _, prog := range progRE.FindAllString(string(data), -1) {
			if !names[strings.TrimPrefix(prog, "/")] {
				t.Errorf("zinit service %s runs %s, which the tarball lacks", svc, prog)
			}
		}
	}
	for _, prog := range []string{"pnicd", "twind", "chaind", "pind", "gridctl"} {
		if out, err := exec.Command("file", "out/rootfs/usr/bin/"+prog).Output(); err == nil && !bytes.Contains(out, []byte("statically linked")) {
			t.Errorf("%s is not static: %s", prog, out)
		}
	}
	packedPind(t)
}

// packedPind runs the pind service's exec line as zinit would, on the tarball's binaries (its data
// directory moved to a temporary one, no swarm), and checks its test line passes once pind says it
// listens, and that it stops cleanly on SIGTERM.
func packedPind(t *testing.T) {
	bin, err := filepath.Abs("out/rootfs/usr/bin")
	if err != nil {
		t.Fatal(err)
	}
	svc := loadZinit(t)["pind"]
	data := filepath.Join(t.TempDir(), "pin")
	script := strings.ReplaceAll(shellOf(t, svc.Exec, bin), "/var/lib/planetary/pin", data)
	env := []string{fmt.Sprintf("PIND_HTTP=127.0.0.1:%d", testnet.FreePorts(t, 1)[0]), "PIND_ARGS=--swarm off"}
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	defer func() {
		cmd.Process.Kill()
		<-done
	}()
	listening := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		found := false
		for sc.Scan() {
			if !found && strings.Contains(sc.Text(), "pind listening") {
				found = true
				listening <- true
			}
		}
		if !found {
			listening <- false
		}
		done <- cmd.Wait()
	}()
	select {
	case ok := <-listening:
		if !ok {
			t.Fatal("pind, started by its zinit exec line, exited before listening")
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("pind, started by its zinit exec line, did not listen within 2 minutes")
	}
	if out, err := runShell(shellOf(t, svc.Test, bin), env...); err != nil {
		t.Errorf("pind test line on the running pind: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(data, "node.key")); err != nil {
		t.Errorf("pind keeps no node key under the service's data directory: %v", err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Errorf("pind on SIGTERM: %v", err)
		}
	case <-time.After(time.Minute):
		t.Error("pind did not stop within a minute of SIGTERM")
	}
}
