// govmomi inventory reader for the vSphere inventory benchmark (bench/inventory.ts).
// Started from ../shared/bench/vsphere/govmomi-inventory; it reads the same VM property set as
// Outpost's full sync (VM_PATHS), so both sides do the same work.
//
// Logs in, creates a ContainerView of VirtualMachine under the root folder and
// retrieves the property set below for every VM, then prints one line of
// JSON: {"vms": N, "ms": retrieval, "ms_total": login+view+retrieval, ...}.
//
// Modes (-mode):
//
//	view  view.ContainerView.Retrieve (the idiomatic govmomi 0.24.2 call). NOTE:
//	      in 0.24.2 this issues the legacy, unpaged RetrieveProperties method,
//	      so the whole result comes back in a single response.
//	ex    RetrievePropertiesEx with RetrieveOptions.MaxObjects=-page, followed by
//	      ContinueRetrievePropertiesEx until the token is empty. This is what a
//	      client must do against a real vCenter, which pages large results.
//	      (vcsim 0.24.2 ignores MaxObjects and never returns a token.)
//
// In both modes the number of VMs returned is checked against the length of the
// ContainerView's "view" property; a mismatch is reported and exits non-zero.
//
// Build: GOPATH=/usr/share/gocode GO111MODULE=off go build -o ../bin/govmomi-inventory .
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Props is the property set retrieved for every VM.
var Props = []string{
	// Keep in step with VM_PATHS in core/inventory/inventory-properties.ts: both sides read the same set.
	"name",
	"parent",
	"config.uuid",
	"config.instanceUuid",
	"config.guestId",
	"config.guestFullName",
	"config.annotation",
	"runtime.powerState",
	"runtime.host",
	"guest.ipAddress",
	"guest.hostName",
	"guest.toolsRunningStatus",
	"guest.net",
	"summary.config.numCpu",
	"summary.config.memorySizeMB",
	"resourcePool",
	"config.version",
	"config.hardware.device",
	"guest.toolsVersion",
	"guest.toolsVersionStatus2",
	"snapshot",
	"customValue",
	"runtime.bootTime",
	"summary.storage.committed",
	"summary.storage.uncommitted",
	"summary.quickStats.overallCpuUsage",
	"summary.quickStats.guestMemoryUsage",
	"summary.quickStats.hostMemoryUsage",
	"summary.quickStats.uptimeSeconds",
}

// countingTransport counts response body bytes (after any transparent gzip decoding)
// and the time until response headers arrive. vcsim encodes the whole SOAP response
// into a buffer before writing it, so time-to-headers ~= server-side processing time.
type countingTransport struct {
	base   http.RoundTripper
	bytes  int64
	ttfbUs int64
}

type countingBody struct {
	io.ReadCloser
	n *int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	atomic.AddInt64(b.n, int64(n))
	return n, err
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	res, err := t.base.RoundTrip(r)
	atomic.AddInt64(&t.ttfbUs, time.Since(start).Microseconds())
	if err == nil && res.Body != nil {
		res.Body = countingBody{res.Body, &t.bytes}
	}
	return res, err
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

func main() {
	rawURL := flag.String("url", envOr("GOVMOMI_URL", "https://user:pass@127.0.0.1:8989/sdk"), "SDK URL; credentials may be embedded (https://user:pass@host/sdk)")
	insecure := flag.Bool("insecure", false, "skip TLS certificate verification")
	thumbprint := flag.String("thumbprint", "", "trust the server certificate with this SHA-1 thumbprint (alternative to -insecure)")
	user := flag.String("user", "", "user name (overrides the one in -url)")
	pass := flag.String("pass", "", "password (overrides the one in -url)")
	mode := flag.String("mode", "view", "retrieval method: view (ContainerView.Retrieve) or ex (RetrievePropertiesEx + ContinueRetrievePropertiesEx)")
	page := flag.Int("page", 0, "ex mode: RetrieveOptions.MaxObjects (0 = server default)")
	timeout := flag.Duration("timeout", 10*time.Minute, "overall timeout")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	u, err := soap.ParseURL(*rawURL)
	if err != nil || u == nil {
		log.Fatalf("parse -url %q: %v", *rawURL, err)
	}
	if *user != "" || *pass != "" {
		p, _ := u.User.Password()
		un := u.User.Username()
		if *user != "" {
			un = *user
		}
		if *pass != "" {
			p = *pass
		}
		u.User = url.UserPassword(un, p)
	}

	tStart := time.Now()

	// --- login ---
	sc := soap.NewClient(u, *insecure)
	if *thumbprint != "" {
		sc.SetThumbprint(u.Host, *thumbprint)
	}
	ct := &countingTransport{base: sc.DefaultTransport()}
	sc.Client.Transport = ct
	c, err := vim25.NewClient(ctx, sc) // RetrieveServiceContent
	if err != nil {
		log.Fatalf("connect: %s", err)
	}
	sm := session.NewManager(c)
	if err = sm.Login(ctx, u.User); err != nil {
		log.Fatalf("login: %s", err)
	}
	defer func() { _ = sm.Logout(context.Background()) }()
	msLogin := msSince(tStart)

	// --- container view ---
	tView := time.Now()
	mgr := view.NewManager(c)
	v, err := mgr.CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		log.Fatalf("CreateContainerView: %s", err)
	}
	defer func() { _ = v.Destroy(context.Background()) }()
	msView := msSince(tView)

	// --- retrieval (the measured part) ---
	var vms []mo.VirtualMachine
	pages := 0
	var msRPC, msDecode float64
	bytesBefore := atomic.LoadInt64(&ct.bytes)
	ttfbBefore := atomic.LoadInt64(&ct.ttfbUs)
	tRetrieve := time.Now()

	switch *mode {
	case "view":
		err = v.Retrieve(ctx, []string{"VirtualMachine"}, Props, &vms)
		pages = 1
	case "ex":
		vms, pages, msRPC, msDecode, err = retrieveEx(ctx, c, v.Reference(), int32(*page))
	default:
		log.Fatalf("unknown -mode %q", *mode)
	}
	if err != nil {
		log.Fatalf("retrieve: %s", err)
	}
	msRetrieve := msSince(tRetrieve)
	msTotal := msSince(tStart)
	respBytes := atomic.LoadInt64(&ct.bytes) - bytesBefore
	msTTFB := float64(atomic.LoadInt64(&ct.ttfbUs)-ttfbBefore) / 1000

	// --- completeness checks (not timed) ---
	var cv mo.ContainerView
	if err = v.Properties(ctx, v.Reference(), []string{"view"}, &cv); err != nil {
		log.Fatalf("read view: %s", err)
	}
	seen := make(map[types.ManagedObjectReference]bool, len(vms))
	missing, poweredOn, withIP := 0, 0, 0
	for i := range vms {
		vm := &vms[i]
		seen[vm.Self] = true
		if vm.Name == "" || vm.Config == nil || vm.Config.Uuid == "" || vm.Config.InstanceUuid == "" ||
			vm.Runtime.Host == nil || vm.Summary.Config.NumCpu == 0 || vm.Summary.Config.MemorySizeMB == 0 {
			missing++
		}
		if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
			poweredOn++
		}
		if vm.Guest != nil && vm.Guest.IpAddress != "" {
			withIP++
		}
	}
	complete := len(seen) == len(cv.View) && len(vms) == len(cv.View)

	out := map[string]interface{}{
		"vms":            len(vms),
		"ms":             round(msRetrieve),
		"ms_total":       round(msTotal),
		"ms_login":       round(msLogin),
		"ms_view":        round(msView),
		"mode":           *mode,
		"pages":          pages,
		"response_bytes": respBytes,
		"ms_ttfb":        round(msTTFB),
		"view_len":       len(cv.View),
		"complete":       complete,
		"missing_props":  missing,
		"powered_on":     poweredOn,
		"with_ip":        withIP,
	}
	if *mode == "ex" {
		out["ms_rpc"] = round(msRPC)
		out["ms_decode"] = round(msDecode)
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	if !complete {
		_ = sm.Logout(context.Background())
		os.Exit(2)
	}
}

// retrieveEx pages through RetrievePropertiesEx / ContinueRetrievePropertiesEx.
func retrieveEx(ctx context.Context, c *vim25.Client, viewRef types.ManagedObjectReference, maxObjects int32) ([]mo.VirtualMachine, int, float64, float64, error) {
	pc := c.ServiceContent.PropertyCollector
	req := types.RetrievePropertiesEx{
		This: pc,
		SpecSet: []types.PropertyFilterSpec{{
			ObjectSet: []types.ObjectSpec{{
				Obj:  viewRef,
				Skip: types.NewBool(true),
				SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{
					Type: "ContainerView",
					Path: "view",
					Skip: types.NewBool(false),
				}},
			}},
			PropSet: []types.PropertySpec{{Type: "VirtualMachine", PathSet: Props}},
		}},
	}
	if maxObjects > 0 {
		req.Options.MaxObjects = maxObjects
	}

	var all []mo.VirtualMachine
	var rpc, decode float64
	pages := 0

	t := time.Now()
	res, err := methods.RetrievePropertiesEx(ctx, c, &req)
	rpc += msSince(t)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	result := res.Returnval
	for result != nil {
		pages++
		t = time.Now()
		var page []mo.VirtualMachine
		if err = mo.LoadObjectContent(result.Objects, &page); err != nil {
			return nil, pages, rpc, decode, err
		}
		all = append(all, page...)
		decode += msSince(t)

		if result.Token == "" {
			break
		}
		t = time.Now()
		cres, err := methods.ContinueRetrievePropertiesEx(ctx, c, &types.ContinueRetrievePropertiesEx{This: pc, Token: result.Token})
		rpc += msSince(t)
		if err != nil {
			return nil, pages, rpc, decode, err
		}
		result = &cres.Returnval
	}
	return all, pages, rpc, decode, nil
}

func round(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
