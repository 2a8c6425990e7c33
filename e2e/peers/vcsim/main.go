// Outpost's vcsim launcher: a vCenter-shaped simulator for the inventory tests and benchmark.
//
// It builds a topology with the govmomi 0.24.2 simulator library (Debian ships the library, not a
// vcsim binary), fills in what the simulator leaves empty (guest IPs, host names, tools status),
// serves /sdk over HTTPS with its own certificate (a fresh self-signed ECDSA one per run, or the
// -cert/-key files, so a restart can keep or change it), prints ONE JSON line describing the
// endpoint on stdout, then blocks until SIGINT/SIGTERM.
//
// Extensions over vcsim 0.24.2, so the client's code paths are really exercised:
//   - RetrievePropertiesEx honours RetrieveOptions.MaxObjects (and -page-cap, a server-side cap)
//     and returns a continuation token; ContinueRetrievePropertiesEx and
//     CancelRetrievePropertiesEx serve the rest. Plain vcsim ignores MaxObjects.
//   - VirtualMachine.AcquireTicket answers a webmks/mks ticket (plain vcsim lacks the method).
//   - wss://.../ticket/<ticket> accepts each AcquireTicket ticket once as a WebSocket and greets
//     with the RFB version line, as an ESXi webmks endpoint does (no screen is served).
//   - SessionManager.AcquireCloneTicket / CloneSession behave as on vCenter for VMRC links: a
//     clone ticket dies with the session that issued it (vcsim 0.24.2 keeps it after Logout), and
//     is single-use (vcsim already is). CloneSession answers the issuing session's user name, so a
//     test can prove a ticket is fresh and came from the logged-in session.
//   - HostNetworkSystem.networkInfo looks like an ESXi host's (physical adapters vmnic0/vmnic1,
//     vSwitch0 bound to vmnic0, port groups with their vSwitch and VLAN id), and AddPortGroup adds
//     a port group of a name another host already has (plain vcsim refuses it as DuplicateName);
//     the host's `network` lists the port group's Network while the host has it, as on ESXi.
//   - ReconfigVM_Task that puts a NIC on a network named FAULT-* returns a task that fails
//     (InvalidDeviceSpec), so tests see a vCenter task failure.
//   - VirtualMachine.Rename_Task posts a VmRenamedEvent (old and new name, the session's user) as
//     vCenter does; vcsim 0.24.2 renames without an event.
//   - Event collectors take the simulator's locks in one order (EventManager, then collector):
//     vcsim 0.24.2 can hang for good when a collector is resized or destroyed while another
//     session logs in or out (both post events).
//   - With -host-control, POST /outpost/host?name=H&build=B&connection=disconnected&status=red
//     changes a host the way a reinstall or a failing host would (tests drive the upgrade gates).
//
// Build: GOPATH=/usr/share/gocode GO111MODULE=off go build -o vcsim .
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"html"
	"io"
	"io/ioutil"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"path"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// ---- paging extension -------------------------------------------------------------------------

// pagingCollector wraps the simulator's PropertyCollector. It is embedded by value because the
// simulator makes per-session copies with reflect.New of the registered type.
type pagingCollector struct {
	simulator.PropertyCollector
}

type pendingResult struct {
	rest  []types.ObjectContent
	limit int
}

var (
	pageCap  int
	pagesMu  sync.Mutex
	pending  = map[string]*pendingResult{}
	tokenSeq int
)

func pageOf(objects []types.ObjectContent, limit int) ([]types.ObjectContent, string) {
	if limit <= 0 || len(objects) <= limit {
		return objects, ""
	}
	pagesMu.Lock()
	defer pagesMu.Unlock()
	tokenSeq++
	token := fmt.Sprintf("outpost-page-%d", tokenSeq)
	pending[token] = &pendingResult{rest: objects[limit:], limit: limit}
	return objects[:limit], token
}

func (pc *pagingCollector) RetrievePropertiesEx(ctx *simulator.Context, r *types.RetrievePropertiesEx) soap.HasFault {
	res := pc.PropertyCollector.RetrievePropertiesEx(ctx, r)
	body, ok := res.(*methods.RetrievePropertiesExBody)
	if !ok || body.Res == nil || body.Res.Returnval == nil {
		return res
	}
	limit := int(r.Options.MaxObjects)
	if pageCap > 0 && (limit <= 0 || limit > pageCap) {
		limit = pageCap
	}
	body.Res.Returnval.Objects, body.Res.Returnval.Token = pageOf(body.Res.Returnval.Objects, limit)
	return body
}

func (pc *pagingCollector) ContinueRetrievePropertiesEx(ctx *simulator.Context, r *types.ContinueRetrievePropertiesEx) soap.HasFault {
	body := &methods.ContinueRetrievePropertiesExBody{}
	pagesMu.Lock()
	p, ok := pending[r.Token]
	delete(pending, r.Token)
	pagesMu.Unlock()
	if !ok {
		body.Fault_ = simulator.Fault("unknown or finished continuation token", &types.InvalidArgument{InvalidProperty: "token"})
		return body
	}
	objects, token := pageOf(p.rest, p.limit)
	body.Res = &types.ContinueRetrievePropertiesExResponse{Returnval: types.RetrieveResult{Objects: objects, Token: token}}
	return body
}

func (pc *pagingCollector) CancelRetrievePropertiesEx(ctx *simulator.Context, r *types.CancelRetrievePropertiesEx) soap.HasFault {
	pagesMu.Lock()
	delete(pending, r.Token)
	pagesMu.Unlock()
	return &methods.CancelRetrievePropertiesExBody{Res: &types.CancelRetrievePropertiesExResponse{}}
}

// soapRequests hands a vim25 request's body to handle (the body stays readable for next); every
// other request goes straight to next. The launcher's extensions answer or watch calls this way,
// at the HTTP layer, because wrapping the simulator's objects breaks its own type assertions.
func soapRequests(next http.Handler, handle func(w http.ResponseWriter, r *http.Request, raw []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/sdk") {
			next.ServeHTTP(w, r)
			return
		}
		raw, err := ioutil.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = ioutil.NopCloser(bytes.NewReader(raw))
		handle(w, r, raw)
	})
}

// ---- AcquireTicket extension ------------------------------------------------------------------

var acquireTicketRe = regexp.MustCompile(`<AcquireTicket[\s>][\s\S]*?<_this[^>]*>([^<]+)</_this>[\s\S]*?<ticketType>([^<]*)</ticketType>`)

// answerInSession starts a SOAP answer the launcher gives itself: false (with vCenter's
// NotAuthenticated fault written) when the request carries no session cookie.
func answerInSession(w http.ResponseWriter, r *http.Request) bool {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	if _, err := r.Cookie("vmware_soap_session"); err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, soapFault("NotAuthenticated", "The session is not authenticated."))
		return false
	}
	return true
}

// withAcquireTicket answers VirtualMachine.AcquireTicket before the simulator sees the request.
// Done at the HTTP layer because wrapping VirtualMachine objects breaks the simulator's own type
// assertions on them.
func withAcquireTicket(next http.Handler, host string) http.Handler {
	return soapRequests(next, func(w http.ResponseWriter, r *http.Request, raw []byte) {
		m := acquireTicketRe.FindSubmatch(raw)
		if m == nil {
			next.ServeHTTP(w, r)
			return
		}
		if !answerInSession(w, r) {
			return
		}
		ticketType := string(m[2])
		if ticketType != "webmks" && ticketType != "mks" {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, soapFault("InvalidArgument", "A specified parameter was not correct: ticketType"))
			return
		}
		h, p, _ := net.SplitHostPort(host)
		ticket := fmt.Sprintf("%x", sha256.Sum256(append(raw, []byte(time.Now().String())...)))[:32]
		issuedTickets.Store(ticket, true)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><AcquireTicketResponse xmlns="urn:vim25"><returnval><ticket>%s</ticket><cfgFile>[LocalDS_0] %s/%s.vmx</cfgFile><host>%s</host><port>%s</port><url>wss://%s/ticket/%s</url></returnval></AcquireTicketResponse></soapenv:Body></soapenv:Envelope>`,
			ticket, m[1], m[1], h, p, host, ticket)
	})
}

// ---- failing reconfigure (tests) --------------------------------------------------------------

var reconfigFaultRe = regexp.MustCompile(`<ReconfigVM_Task[\s>][\s\S]*?<_this[^>]*>([^<]+)</_this>[\s\S]*?<deviceName>FAULT-`)

// withReconfigFaults makes ReconfigVM_Task fail as a vCenter task (InvalidDeviceSpec, as when a
// host cannot back the adapter) when it puts a NIC on a network named FAULT-*: tests see a task
// that vCenter accepts and then fails, which plain vcsim never produces for a NIC change.
func withReconfigFaults(next http.Handler) http.Handler {
	return soapRequests(next, func(w http.ResponseWriter, r *http.Request, raw []byte) {
		m := reconfigFaultRe.FindSubmatch(raw)
		if m == nil {
			next.ServeHTTP(w, r)
			return
		}
		if !answerInSession(w, r) {
			return
		}
		vm := types.ManagedObjectReference{Type: "VirtualMachine", Value: string(m[1])}
		task := simulator.CreateTask(vm, "reconfigVM", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
			return nil, &types.InvalidDeviceSpec{InvalidVmConfig: types.InvalidVmConfig{Property: "virtualDeviceSpec.device.backing"}}
		})
		ref := task.Run()
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ReconfigVM_TaskResponse xmlns="urn:vim25"><returnval type="Task">%s</returnval></ReconfigVM_TaskResponse></soapenv:Body></soapenv:Envelope>`, ref.Value)
	})
}

func soapFault(name, msg string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>%s</faultstring><detail><%sFault xmlns="urn:vim25" xsi:type="%s"></%sFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`, msg, name, name, name)
}

// ---- clone ticket extension (VMRC links) -----------------------------------------------------

var (
	acquireCloneTicketRe = regexp.MustCompile(`<AcquireCloneTicket[\s>/]`)
	cloneSessionRe       = regexp.MustCompile(`<CloneSession[\s>][\s\S]*?<cloneTicket>([^<]+)</cloneTicket>`)
	logoutRe             = regexp.MustCompile(`<Logout[\s>/]`)
	returnvalRe          = regexp.MustCompile(`<returnval>([^<]+)</returnval>`)
	cloneMu              sync.Mutex
	// clone ticket -> the session cookie that acquired it (vCenter drops the ticket with that session)
	cloneIssuer = map[string]string{}
)

// withCloneTickets ties vcsim's clone tickets to the session that issued them, as vCenter does:
// Logout of that session revokes its unused tickets. Done at the HTTP layer because the simulator
// type-asserts its own SessionManager (a wrapper would break Map.SessionManager()).
func withCloneTickets(next http.Handler) http.Handler {
	return soapRequests(next, func(w http.ResponseWriter, r *http.Request, raw []byte) {
		cookie := ""
		if c, err := r.Cookie("vmware_soap_session"); err == nil {
			cookie = c.Value
		}
		switch {
		case acquireCloneTicketRe.Match(raw):
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			if m := returnvalRe.FindSubmatch(rec.Body.Bytes()); m != nil && rec.Code == http.StatusOK && cookie != "" {
				cloneMu.Lock()
				cloneIssuer[string(m[1])] = cookie
				cloneMu.Unlock()
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		case cloneSessionRe.Match(raw):
			ticket := string(cloneSessionRe.FindSubmatch(raw)[1])
			cloneMu.Lock()
			_, issued := cloneIssuer[ticket]
			delete(cloneIssuer, ticket) // single use, whatever the answer
			cloneMu.Unlock()
			if !issued {
				w.Header().Set("Content-Type", "text/xml; charset=utf-8")
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprint(w, soapFault("InvalidLogin", "Cannot complete login due to an incorrect user name or password."))
				return
			}
			next.ServeHTTP(w, r)
		case logoutRe.Match(raw) && cookie != "":
			cloneMu.Lock()
			for t, issuer := range cloneIssuer {
				if issuer == cookie {
					delete(cloneIssuer, t)
				}
			}
			cloneMu.Unlock()
			next.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// ---- VmRenamedEvent extension ----------------------------------------------------------------

var renameTaskRe = regexp.MustCompile(`<Rename_Task[\s>][\s\S]*?<_this[^>]*>([^<]+)</_this>[\s\S]*?<newName>([^<]*)</newName>`)

// withRenameEvents posts VmRenamedEvent after a VM's Rename_Task, as vCenter does. The launcher
// serves one user (-user), so that is the event's userName.
func withRenameEvents(next http.Handler, user string) http.Handler {
	return soapRequests(next, func(w http.ResponseWriter, r *http.Request, raw []byte) {
		m := renameTaskRe.FindSubmatch(raw)
		if m == nil {
			next.ServeHTTP(w, r)
			return
		}
		ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: string(m[1])}
		vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		oldName := vm.Name
		newName := html.UnescapeString(string(m[2]))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		if rec.Code != http.StatusOK {
			return
		}
		event := types.VmEvent{Event: types.Event{Vm: &types.VmEventArgument{EntityEventArgument: types.EntityEventArgument{Name: newName}, Vm: ref}}}
		if vm.Runtime.Host != nil {
			if h, ok := simulator.Map.Get(*vm.Runtime.Host).(*simulator.HostSystem); ok {
				event.Host = &types.HostEventArgument{EntityEventArgument: types.EntityEventArgument{Name: h.Name}, Host: h.Self}
			}
		}
		em := simulator.Map.EventManager()
		ctx := &simulator.Context{Session: &simulator.Session{UserSession: types.UserSession{UserName: user}}}
		simulator.Map.WithLock(em, func() {
			em.PostEvent(ctx, &types.PostEvent{EventToPost: &types.VmRenamedEvent{VmEvent: event, OldName: oldName, NewName: newName}})
		})
	})
}

// ---- event collector lock order ----------------------------------------------------------------

// vcsim 0.24.2 takes its locks in opposite orders when it posts an event (the EventManager, then
// each EventHistoryCollector, to update its latestPage) and when a collector is resized or
// destroyed (the collector, locked by the dispatcher, then the EventManager). Every Login and
// Logout posts an event, so a client destroying its catch-up collector while another session logs
// in hangs both for good, and with them every later Login. vCenter has no such hang. The launcher
// wraps each new collector so all of its methods take the EventManager first, then the collector.

var createCollectorRe = regexp.MustCompile(`(<CreateCollectorForEvents[\s>][\s\S]*?<_this[^>]*>)([^<]+)(</_this>)`)

// orderedEventManager serves CreateCollectorForEvents (requests are pointed at it by
// withOrderedEventLocks) with the simulator's own method, then wraps the collector it made.
type orderedEventManager struct {
	self types.ManagedObjectReference
	real *simulator.EventManager
}

func (m *orderedEventManager) Reference() types.ManagedObjectReference { return m.self }

func (m *orderedEventManager) CreateCollectorForEvents(ctx *simulator.Context, req *types.CreateCollectorForEvents) soap.HasFault {
	req.This = m.real.Self
	var res soap.HasFault
	simulator.Map.WithLock(m.real, func() { res = m.real.CreateCollectorForEvents(ctx, req) })
	if body, ok := res.(*methods.CreateCollectorForEventsBody); ok && body.Res != nil {
		if c, ok := ctx.Session.Get(body.Res.Returnval).(*simulator.EventHistoryCollector); ok {
			ctx.Session.Put(&orderedCollector{EventHistoryCollector: c})
		}
	}
	return res
}

// orderedCollector is a Locker that does nothing, so the dispatcher takes no lock for it; each
// method takes the EventManager's lock, then the collector's (the order PostEvent uses), and runs
// the simulator's method as if called from the EventManager (so it does not lock that again).
type orderedCollector struct {
	*simulator.EventHistoryCollector
}

func (c *orderedCollector) Lock()   {}
func (c *orderedCollector) Unlock() {}

func (c *orderedCollector) inOrder(ctx *simulator.Context, call func() soap.HasFault) soap.HasFault {
	em := simulator.Map.EventManager()
	var res soap.HasFault
	simulator.Map.WithLock(em, func() {
		simulator.Map.WithLock(c.EventHistoryCollector, func() {
			caller := ctx.Caller
			self := em.Reference()
			ctx.Caller = &self
			defer func() { ctx.Caller = caller }()
			res = call()
		})
	})
	return res
}

func (c *orderedCollector) SetCollectorPageSize(ctx *simulator.Context, req *types.SetCollectorPageSize) soap.HasFault {
	return c.inOrder(ctx, func() soap.HasFault { return c.EventHistoryCollector.SetCollectorPageSize(ctx, req) })
}

func (c *orderedCollector) DestroyCollector(ctx *simulator.Context, req *types.DestroyCollector) soap.HasFault {
	return c.inOrder(ctx, func() soap.HasFault { return c.EventHistoryCollector.DestroyCollector(ctx, req) })
}

func (c *orderedCollector) ResetCollector(ctx *simulator.Context, req *types.ResetCollector) soap.HasFault {
	return c.inOrder(ctx, func() soap.HasFault { return c.EventHistoryCollector.ResetCollector(ctx, req) })
}

func (c *orderedCollector) RewindCollector(ctx *simulator.Context, req *types.RewindCollector) soap.HasFault {
	return c.inOrder(ctx, func() soap.HasFault { return c.EventHistoryCollector.RewindCollector(ctx, req) })
}

func (c *orderedCollector) ReadNextEvents(ctx *simulator.Context, req *types.ReadNextEvents) soap.HasFault {
	return c.inOrder(ctx, func() soap.HasFault { return c.EventHistoryCollector.ReadNextEvents(ctx, req) })
}

func (c *orderedCollector) ReadPreviousEvents(ctx *simulator.Context, req *types.ReadPreviousEvents) soap.HasFault {
	return c.inOrder(ctx, func() soap.HasFault { return c.EventHistoryCollector.ReadPreviousEvents(ctx, req) })
}

// withOrderedEventLocks registers the orderedEventManager and points CreateCollectorForEvents at it.
func withOrderedEventLocks(next http.Handler) http.Handler {
	real := simulator.Map.EventManager()
	wrapper := &orderedEventManager{self: types.ManagedObjectReference{Type: real.Self.Type, Value: "OutpostEventManager"}, real: real}
	simulator.Map.Put(wrapper)
	return soapRequests(next, func(w http.ResponseWriter, r *http.Request, raw []byte) {
		m := createCollectorRe.FindSubmatchIndex(raw)
		if m == nil || string(raw[m[4]:m[5]]) != real.Self.Value {
			next.ServeHTTP(w, r)
			return
		}
		body := append(append(append([]byte{}, raw[:m[4]]...), wrapper.self.Value...), raw[m[5]:]...)
		r.Body = ioutil.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// ---- webmks socket extension ------------------------------------------------------------------

var issuedTickets sync.Map

// withWebmksSocket answers GET /ticket/<ticket> with a WebSocket (RFC 6455 handshake by hand: the
// launcher has no WebSocket library) for a ticket AcquireTicket issued, once; then sends the RFB
// greeting in one binary frame and holds the connection until the client leaves.
func withWebmksSocket(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/ticket/") {
			next.ServeHTTP(w, r)
			return
		}
		ticket := strings.TrimPrefix(r.URL.Path, "/ticket/")
		if _, ok := issuedTickets.Load(ticket); !ok {
			http.Error(w, "unknown or used ticket", http.StatusNotFound)
			return
		}
		key := r.Header.Get("Sec-WebSocket-Key")
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") || key == "" {
			http.Error(w, "websocket upgrade required", http.StatusBadRequest)
			return
		}
		issuedTickets.Delete(ticket)
		hj, ok := w.(http.Hijacker)
		if !ok {
			http.Error(w, "cannot hijack", http.StatusInternalServerError)
			return
		}
		conn, buf, err := hj.Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		protocol := ""
		for _, p := range strings.Split(r.Header.Get("Sec-WebSocket-Protocol"), ",") {
			if strings.TrimSpace(p) == "binary" {
				protocol = "Sec-WebSocket-Protocol: binary\r\n"
			}
		}
		fmt.Fprintf(buf, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s\r\n", base64.StdEncoding.EncodeToString(sum[:]), protocol)
		greeting := []byte("RFB 003.008\n")
		buf.Write([]byte{0x82, byte(len(greeting))})
		buf.Write(greeting)
		if buf.Flush() != nil {
			return
		}
		// Read the client's frames until it closes; answer its close frame so it closes cleanly.
		for {
			head := make([]byte, 2)
			if _, err := io.ReadFull(buf, head); err != nil {
				return
			}
			n := uint64(head[1] & 0x7f)
			if n == 126 || n == 127 {
				ext := make([]byte, map[uint64]int{126: 2, 127: 8}[n])
				if _, err := io.ReadFull(buf, ext); err != nil {
					return
				}
				n = 0
				for _, b := range ext {
					n = n<<8 | uint64(b)
				}
			}
			if head[1]&0x80 != 0 {
				n += 4 // the mask key
			}
			if _, err := io.CopyN(ioutil.Discard, buf, int64(n)); err != nil {
				return
			}
			if head[0]&0x0f == 0x8 {
				_, _ = conn.Write([]byte{0x88, 0x02, 0x03, 0xe8}) // close, 1000
				return
			}
		}
	})
}

// ---- host networking extension ----------------------------------------------------------------

// outpostNetworkSystem wraps the simulator's HostNetworkSystem (embedded by value, like the paging
// collector) so AddPortGroup behaves as on ESXi: per host, and fine when another host of the
// datacenter already has a port group (a Network) of that name.
type outpostNetworkSystem struct {
	simulator.HostNetworkSystem
}

func (s *outpostNetworkSystem) AddPortGroup(ctx *simulator.Context, c *types.AddPortGroup) soap.HasFault {
	for _, pg := range s.NetworkInfo.Portgroup {
		if pg.Spec.Name == c.Portgrp.Name {
			return &methods.AddPortGroupBody{Fault_: simulator.Fault("", &types.AlreadyExists{Name: c.Portgrp.Name})}
		}
	}
	res := s.HostNetworkSystem.AddPortGroup(ctx, c)
	body, ok := res.(*methods.AddPortGroupBody)
	if !ok {
		return res
	}
	if body.Fault_ != nil {
		if _, dup := body.Fault_.Detail.Fault.(*types.DuplicateName); !dup {
			return body
		}
		// The datacenter already has this network from another host: join it on this host.
		for i := range s.NetworkInfo.Vswitch {
			if s.NetworkInfo.Vswitch[i].Name == c.Portgrp.VswitchName {
				s.NetworkInfo.Vswitch[i].Portgroup = append(s.NetworkInfo.Vswitch[i].Portgroup, c.Portgrp.Name)
			}
		}
		s.NetworkInfo.Portgroup = append(s.NetworkInfo.Portgroup, types.HostPortGroup{Spec: c.Portgrp})
		body = &methods.AddPortGroupBody{Res: &types.AddPortGroupResponse{}}
	}
	// vcsim records the name where ESXi records keys: write them as ESXi does.
	key := "key-vim.host.PortGroup-" + c.Portgrp.Name
	for i := range s.NetworkInfo.Vswitch {
		v := &s.NetworkInfo.Vswitch[i]
		for j, pg := range v.Portgroup {
			if pg == c.Portgrp.Name {
				v.Portgroup[j] = key
			}
		}
	}
	for i := range s.NetworkInfo.Portgroup {
		pg := &s.NetworkInfo.Portgroup[i]
		if pg.Spec.Name == c.Portgrp.Name {
			pg.Key = key
			pg.Vswitch = "key-vim.host.VirtualSwitch-" + c.Portgrp.VswitchName
		}
	}
	// ESXi lists the new port group's network in the host's `network` (vcsim does not), which is
	// where a client finds the networks a VM on this host may be connected to.
	if net := networkNamed(c.Portgrp.Name); net != nil {
		if host, ok := simulator.Map.Get(s.Host.Self).(*simulator.HostSystem); ok {
			if simulator.FindReference(host.Network, *net) == nil {
				simulator.Map.AppendReference(host, &host.Network, *net)
			}
		}
	}
	return body
}

// networkNamed is the standard-switch Network object of that name (port groups of one name on
// several hosts share it, as in vCenter).
func networkNamed(name string) *types.ManagedObjectReference {
	for _, e := range simulator.Map.All("Network") {
		if n, ok := e.(*mo.Network); ok && n.Name == name {
			ref := n.Self
			return &ref
		}
	}
	return nil
}

func (s *outpostNetworkSystem) RemovePortGroup(ctx *simulator.Context, c *types.RemovePortGroup) soap.HasFault {
	key := "key-vim.host.PortGroup-" + c.PgName
	found := false
	for i := range s.NetworkInfo.Vswitch {
		v := &s.NetworkInfo.Vswitch[i]
		kept := v.Portgroup[:0]
		for _, pg := range v.Portgroup {
			if pg == key || pg == c.PgName {
				found = true
				continue
			}
			kept = append(kept, pg)
		}
		v.Portgroup = kept
	}
	kept := s.NetworkInfo.Portgroup[:0]
	for _, pg := range s.NetworkInfo.Portgroup {
		if pg.Spec.Name == c.PgName {
			found = true
			continue
		}
		kept = append(kept, pg)
	}
	s.NetworkInfo.Portgroup = kept
	if !found {
		return &methods.RemovePortGroupBody{Fault_: simulator.Fault("", &types.NotFound{})}
	}
	// The datacenter's Network object stays (other hosts may still have the port group); this
	// host no longer lists it.
	if net := networkNamed(c.PgName); net != nil {
		if host, ok := simulator.Map.Get(s.Host.Self).(*simulator.HostSystem); ok {
			simulator.Map.RemoveReference(host, &host.Network, *net)
		}
	}
	return &methods.RemovePortGroupBody{Res: &types.RemovePortGroupResponse{}}
}

// esxHostNetworks gives every host's HostNetworkSystem the networkInfo of its host config (what
// ESXi reports: vmnic0 and vmnic1, vSwitch0 with uplink vmnic0, "VM Network" and "Management
// Network" on VLAN 0) and puts the wrapper above in place of the simulator's object.
func esxHostNetworks() {
	for _, e := range simulator.Map.All("HostSystem") {
		h, ok := e.(*simulator.HostSystem)
		if !ok || h.ConfigManager.NetworkSystem == nil || h.Config == nil || h.Config.Network == nil {
			continue
		}
		ns, ok := simulator.Map.Get(*h.ConfigManager.NetworkSystem).(*simulator.HostNetworkSystem)
		if !ok {
			continue
		}
		src := h.Config.Network
		info := &types.HostNetworkInfo{}
		info.Pnic = append(info.Pnic, src.Pnic...)
		for _, v := range src.Vswitch {
			v.Portgroup = append([]string(nil), v.Portgroup...)
			v.Pnic = append([]string(nil), v.Pnic...)
			info.Vswitch = append(info.Vswitch, v)
		}
		info.Portgroup = append(info.Portgroup, src.Portgroup...)
		info.Vnic = append(info.Vnic, src.Vnic...)
		ns.NetworkInfo = info
		wrapped := &outpostNetworkSystem{HostNetworkSystem: *ns}
		simulator.Map.Put(wrapped)
	}
}

// ---- certificate ------------------------------------------------------------------------------

// selfSignedCert makes a fresh ECDSA P-256 certificate for 127.0.0.1. It is its own CA so an
// operator (or a test) can import it as a trusted CA as well as pin its fingerprint.
func selfSignedCert() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "127.0.0.1", Organization: []string{"Outpost vcsim"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// colonHex is the fingerprint form `openssl x509 -noout -fingerprint -sha256` prints.
func colonHex(b []byte) string {
	h := strings.ToUpper(hex.EncodeToString(b))
	parts := make([]string, 0, len(b))
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}

// ---- topology ---------------------------------------------------------------------------------

type hostSlot struct {
	name   string
	host   *object.HostSystem
	pool   *object.ResourcePool
	folder *object.Folder
	next   int
}

var guests = []struct{ id, full string }{
	{"ubuntu64Guest", "Ubuntu Linux (64-bit)"},
	{"rhel7_64Guest", "Red Hat Enterprise Linux 7 (64-bit)"},
	{"windows9Server64Guest", "Microsoft Windows Server 2016 or later (64-bit)"},
	{"centos7_64Guest", "CentOS 7 (64-bit)"},
	{"debian10_64Guest", "Debian GNU/Linux 10 (64-bit)"},
}
var cpus = []int32{1, 2, 4, 8}
var mems = []int64{1024, 2048, 4096, 8192, 16384}

func main() {
	datacenters := flag.Int("datacenters", 1, "number of datacenters")
	clusters := flag.Int("clusters", 1, "clusters per datacenter")
	hosts := flag.Int("hosts", 3, "hosts per cluster")
	standalone := flag.Int("standalone", 0, "standalone hosts per datacenter")
	vms := flag.Int("vms", 10, "TOTAL number of VMs, spread round-robin over every host")
	listen := flag.String("listen", "127.0.0.1:0", "listen address; port 0 picks a free one")
	user := flag.String("user", "user", "login user name")
	pass := flag.String("pass", "pass", "login password")
	certFile := flag.String("cert", "", "PEM certificate to serve (default: a fresh self-signed one)")
	keyFile := flag.String("key", "", "PEM private key for -cert")
	flag.IntVar(&pageCap, "page-cap", 0, "server-side cap on objects per RetrievePropertiesEx page (0: only the client's MaxObjects)")
	flag.Parse()

	if !strings.HasPrefix(*listen, "127.0.0.1:") {
		log.Fatal("-listen must be on 127.0.0.1")
	}
	if *vms > 0 && *datacenters*(*clusters**hosts+*standalone) == 0 {
		log.Fatal("need at least one host to place VMs on")
	}
	var cert tls.Certificate
	var err error
	if *certFile != "" {
		cert, err = tls.LoadX509KeyPair(*certFile, *keyFile)
	} else {
		cert, err = selfSignedCert()
	}
	if err != nil {
		log.Fatalf("certificate: %s", err)
	}

	start := time.Now()
	m := simulator.VPX()
	m.Datacenter = *datacenters
	m.Cluster = *clusters
	m.ClusterHost = *hosts
	m.Host = *standalone
	m.Machine = 0 // VMs are created below so -vms is an exact total
	m.Autostart = false
	if err := m.Create(); err != nil {
		log.Fatalf("model create: %s", err)
	}

	ctx := context.Background()
	c, err := vim25.NewClient(ctx, m.Service)
	if err != nil {
		log.Fatalf("in-process client: %s", err)
	}
	slots, err := hostSlots(ctx, c)
	if err != nil {
		log.Fatalf("enumerate hosts: %s", err)
	}
	if err := createVMs(ctx, c, slots, *vms); err != nil {
		log.Fatalf("create VMs: %s", err)
	}
	applyGuestOverrides(*guestIPs, *guestOS, *guestUUIDs)
	registerGuestAuth(c)

	// Register the paging collector in place of the simulator's singleton.
	pcRef := c.ServiceContent.PropertyCollector
	paging := &pagingCollector{}
	paging.Self = pcRef
	simulator.Map.Put(paging)

	m.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*user, *pass)}
	m.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s := m.Service.NewServer()
	s.Server.Config.Handler = withAcquireTicket(s.Server.Config.Handler, s.URL.Host)
	s.Server.Config.Handler = withWebmksSocket(s.Server.Config.Handler)
	s.Server.Config.Handler = withCloneTickets(s.Server.Config.Handler)
	s.Server.Config.Handler = withReconfigFaults(s.Server.Config.Handler)
	s.Server.Config.Handler = withRenameEvents(s.Server.Config.Handler, *user)
	s.Server.Config.Handler = withOrderedEventLocks(s.Server.Config.Handler)
	esxHostNetworks()
	s.Server.Config.Handler = withHostControl(s.Server.Config.Handler)

	u := *s.URL
	u.User = nil
	leaf := cert.Certificate[0]
	sum := sha256.Sum256(leaf)
	count := m.Count()
	out := map[string]interface{}{
		"url":         u.String(),
		"username":    *user,
		"password":    *pass,
		"certPem":     string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf})),
		"fingerprint": colonHex(sum[:]),
		"pid":         os.Getpid(),
		"vms":         count.Machine,
		"hosts":       count.Host,
		"clusters":    count.Cluster,
		"datacenters": count.Datacenter,
		"createMs":    time.Since(start).Milliseconds(),
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	_ = os.Stdout.Sync()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	// Close waits for in-flight requests (a blocked WaitForUpdatesEx); don't hang on it.
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	m.Remove()
}

func hostSlots(ctx context.Context, c *vim25.Client) ([]*hostSlot, error) {
	var slots []*hostSlot
	mgr := view.NewManager(c)
	dv, err := mgr.CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"Datacenter"}, true)
	if err != nil {
		return nil, err
	}
	defer dv.Destroy(ctx)
	var dcs []mo.Datacenter
	if err = dv.Retrieve(ctx, []string{"Datacenter"}, []string{"name", "vmFolder"}, &dcs); err != nil {
		return nil, err
	}
	for _, dc := range dcs {
		hv, err := mgr.CreateContainerView(ctx, dc.Self, []string{"HostSystem"}, true)
		if err != nil {
			return nil, err
		}
		var hs []mo.HostSystem
		err = hv.Retrieve(ctx, []string{"HostSystem"}, []string{"name", "parent"}, &hs)
		_ = hv.Destroy(ctx)
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			var cr mo.ComputeResource
			if err = object.NewCommon(c, *h.Parent).Properties(ctx, *h.Parent, []string{"resourcePool"}, &cr); err != nil {
				return nil, err
			}
			slots = append(slots, &hostSlot{name: h.Name, host: object.NewHostSystem(c, h.Self), pool: object.NewResourcePool(c, *cr.ResourcePool), folder: object.NewFolder(c, dc.VmFolder)})
		}
	}
	return slots, nil
}

func createVMs(ctx context.Context, c *vim25.Client, slots []*hostSlot, n int) error {
	for i := 0; i < n; i++ {
		slot := slots[i%len(slots)]
		name := fmt.Sprintf("%s_VM%d", slot.name, slot.next)
		slot.next++
		g := guests[i%len(guests)]
		spec := types.VirtualMachineConfigSpec{
			Name:       name,
			GuestId:    g.id,
			NumCPUs:    cpus[i%len(cpus)],
			MemoryMB:   mems[i%len(mems)],
			Annotation: fmt.Sprintf("owner=team-%d", i%7),
			Files:      &types.VirtualMachineFileInfo{VmPathName: "[LocalDS_0]"},
		}
		var devices object.VirtualDeviceList
		scsi, _ := devices.CreateSCSIController("pvscsi")
		disk := devices.CreateDisk(scsi.(types.BaseVirtualController), types.ManagedObjectReference{}, spec.Files.VmPathName+" "+path.Join(name, "disk1.vmdk"))
		disk.CapacityInKB = 1024
		nic := esx.EthernetCard
		nic.Backing = &types.VirtualEthernetCardNetworkBackingInfo{VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: "VM Network"}}
		devices = append(devices, scsi, disk, &nic)
		spec.DeviceChange, _ = devices.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd)

		task, err := slot.folder.CreateVM(ctx, spec, slot.pool, slot.host)
		if err != nil {
			return err
		}
		t := simulator.Map.Get(task.Reference()).(*simulator.Task)
		if t.Info.Error != nil {
			return fmt.Errorf("CreateVM %s: %s", name, t.Info.Error.LocalizedMessage)
		}
		ref := t.Info.Result.(types.ManagedObjectReference)
		if _, err = object.NewVirtualMachine(c, ref).PowerOn(ctx); err != nil {
			return err
		}
		// vcsim leaves guest identity empty: give each VM an address, a host name and running tools.
		vm := simulator.Map.Get(ref).(*simulator.VirtualMachine)
		ip := fmt.Sprintf("10.%d.%d.%d", (i>>16)&0xff, (i>>8)&0xff, i&0xff)
		ip6 := fmt.Sprintf("fd00::%x", i+1)
		hostName := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
		vm.Config.GuestFullName = g.full
		vm.Summary.Config.GuestFullName = g.full
		vm.Guest.GuestId = g.id
		vm.Guest.GuestFullName = g.full
		vm.Guest.IpAddress = ip
		vm.Guest.HostName = hostName
		vm.Guest.GuestState = "running"
		vm.Guest.ToolsStatus = types.VirtualMachineToolsStatusToolsOk
		vm.Guest.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
		vm.Guest.Net = []types.GuestNicInfo{{Network: "VM Network", IpAddress: []string{ip, ip6}, MacAddress: fmt.Sprintf("00:50:56:%02x:%02x:%02x", (i>>16)&0xff, (i>>8)&0xff, i&0xff), Connected: true, DeviceConfigId: 4000}}
		vm.Summary.Guest.IpAddress = ip
		vm.Summary.Guest.HostName = hostName
		vm.Summary.Guest.ToolsRunningStatus = vm.Guest.ToolsRunningStatus
	}
	return nil
}

// ---- host control (tests) ---------------------------------------------------------------------

var hostControl = flag.Bool("host-control", false, "serve POST /outpost/host to change a host's build, connection state and overall status, and POST /outpost/guest to change a VM's guest IP (tests)")

// withHostControl lets a test play the host's side of an upgrade: a reinstall disconnects the
// host and brings it back with another build; a sick host turns its overall status red and fires
// an alarm. Changes go through Map.Update so property collectors (and watchers) see them.
func withHostControl(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if *hostControl && r.URL.Path == "/outpost/guest" && r.Method == http.MethodPost {
			guestControl(w, r.URL.Query())
			return
		}
		if !*hostControl || r.URL.Path != "/outpost/host" {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		q := r.URL.Query()
		var host *simulator.HostSystem
		for _, e := range simulator.Map.All("HostSystem") {
			if h, ok := e.(*simulator.HostSystem); ok && h.Name == q.Get("name") {
				host = h
			}
		}
		if host == nil {
			http.Error(w, "no host named "+q.Get("name"), http.StatusNotFound)
			return
		}
		simulator.Map.WithLock(host, func() { applyHostControl(host, q) })
		w.Header().Set("Content-Type", "application/json")
		b, _ := json.Marshal(map[string]interface{}{
			"name":          host.Name,
			"build":         host.Config.Product.Build,
			"connection":    host.Runtime.ConnectionState,
			"overallStatus": host.OverallStatus,
			"alarms":        len(host.TriggeredAlarmState),
			"inMaintenance": host.Runtime.InMaintenanceMode,
		})
		_, _ = w.Write(b)
	})
}

// guestControl plays VMware Tools reporting a new guest address (the guest's IP changed behind
// vCenter's back): guest.ipAddress and the first NIC's addresses of the VM with moref q["moref"].
func guestControl(w http.ResponseWriter, q url.Values) {
	ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: q.Get("moref")}
	vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	if !ok {
		http.Error(w, "no VM "+ref.Value, http.StatusNotFound)
		return
	}
	ip := q.Get("ip")
	simulator.Map.WithLock(vm, func() {
		vm.Guest.IpAddress = ip
		vm.Summary.Guest.IpAddress = ip
		changes := []types.PropertyChange{{Name: "guest.ipAddress", Val: ip}, {Name: "summary.guest.ipAddress", Val: ip}}
		if len(vm.Guest.Net) > 0 {
			vm.Guest.Net[0].IpAddress = []string{ip}
			changes = append(changes, types.PropertyChange{Name: "guest.net", Val: vm.Guest.Net})
		}
		simulator.Map.Update(vm, changes)
	})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}`))
}

func applyHostControl(host *simulator.HostSystem, q url.Values) {
	var changes []types.PropertyChange
	if build := q.Get("build"); build != "" {
		// Summary.Config.Product points at a template shared by every simulated host: give this
		// host its own copy before changing it.
		product := host.Config.Product
		product.Build = build
		if version := q.Get("version"); version != "" {
			product.Version = version
		}
		host.Config.Product = product
		host.Summary.Config.Product = &product
		changes = append(changes,
			types.PropertyChange{Name: "config.product.build", Val: product.Build},
			types.PropertyChange{Name: "config.product.version", Val: product.Version})
	}
	if c := q.Get("connection"); c != "" {
		host.Runtime.ConnectionState = types.HostSystemConnectionState(c)
		changes = append(changes, types.PropertyChange{Name: "runtime.connectionState", Val: host.Runtime.ConnectionState})
	}
	if status := q.Get("status"); status != "" {
		host.OverallStatus = types.ManagedEntityStatus(status)
		host.TriggeredAlarmState = nil
		if status == "red" || status == "yellow" {
			host.TriggeredAlarmState = []types.AlarmState{{
				Key:           "alarm-outpost-test." + host.Self.Value,
				Entity:        host.Self,
				Alarm:         types.ManagedObjectReference{Type: "Alarm", Value: "alarm-outpost-test"},
				OverallStatus: host.OverallStatus,
				Time:          time.Now(),
			}}
		}
		changes = append(changes,
			types.PropertyChange{Name: "overallStatus", Val: host.OverallStatus},
			types.PropertyChange{Name: "triggeredAlarmState", Val: host.TriggeredAlarmState})
	}
	if len(changes) > 0 {
		simulator.Map.Update(host, changes)
	}
}

// Enrollment lab flags: point the first VMs at real guests (network namespaces running sshd).
var (
	guestIPs = flag.String("guest-ips", "", "comma-separated guest IPv4 addresses for VM 0, 1, ... (creation order); the rest keep 10.x.y.z")
	guestOS  = flag.String("guest-os", "", "semicolon-separated guestId=Full Name for VM 0, 1, ... (empty entries keep the default)")
	// The guests present these as their SMBIOS product UUID, so enrollment can tell whether the
	// machine at a VM's reported address is that VM.
	guestUUIDs = flag.String("guest-uuids", "", "comma-separated BIOS UUIDs (config.uuid) for VM 0, 1, ... (empty entries keep the simulator's)")
)

// vmIndex recovers a VM's creation index from the address createVMs gave it (10.i>>16.i>>8.i).
func vmIndex(ip string) (int, bool) {
	var a, b, c, d int
	if n, _ := fmt.Sscanf(ip, "%d.%d.%d.%d", &a, &b, &c, &d); n != 4 || a != 10 {
		return 0, false
	}
	return b<<16 | c<<8 | d, true
}

func applyGuestOverrides(ipList, osList, uuidList string) {
	var ips, oses, uuids []string
	if ipList != "" {
		ips = strings.Split(ipList, ",")
	}
	if osList != "" {
		oses = strings.Split(osList, ";")
	}
	if uuidList != "" {
		uuids = strings.Split(uuidList, ",")
	}
	if len(ips) == 0 && len(oses) == 0 && len(uuids) == 0 {
		return
	}
	for _, obj := range simulator.Map.All("VirtualMachine") {
		vm := obj.(*simulator.VirtualMachine)
		i, ok := vmIndex(vm.Guest.IpAddress)
		if !ok {
			continue
		}
		if i < len(uuids) && strings.TrimSpace(uuids[i]) != "" {
			vm.Config.Uuid = strings.TrimSpace(uuids[i])
			vm.Summary.Config.Uuid = vm.Config.Uuid
		}
		if i < len(ips) && strings.TrimSpace(ips[i]) != "" {
			ip := strings.TrimSpace(ips[i])
			vm.Guest.IpAddress = ip
			vm.Summary.Guest.IpAddress = ip
			if len(vm.Guest.Net) > 0 {
				vm.Guest.Net[0].IpAddress = []string{ip}
			}
		}
		if i < len(oses) && strings.Contains(oses[i], "=") {
			parts := strings.SplitN(oses[i], "=", 2)
			vm.Config.GuestId = parts[0]
			vm.Summary.Config.GuestId = parts[0]
			vm.Guest.GuestId = parts[0]
			vm.Config.GuestFullName = parts[1]
			vm.Summary.Config.GuestFullName = parts[1]
			vm.Guest.GuestFullName = parts[1]
		}
	}
}

// ---- guest credential validation ----------------------------------------------------------------

var guestPassword = flag.String("guest-password", "", "serve GuestAuthManager.ValidateCredentialsInGuest (vcsim 0.24.2 has none): a user name with this password is accepted in a powered-on VM with running tools, anything else is InvalidGuestLogin; it stands in for VMware Tools checking the guest's own accounts")

type guestAuthManager struct {
	mo.GuestAuthManager
}

func (m *guestAuthManager) ValidateCredentialsInGuest(ctx *simulator.Context, r *types.ValidateCredentialsInGuest) soap.HasFault {
	body := &methods.ValidateCredentialsInGuestBody{}
	vm, ok := simulator.Map.Get(r.Vm).(*simulator.VirtualMachine)
	if !ok {
		body.Fault_ = simulator.Fault("", &types.ManagedObjectNotFound{Obj: r.Vm})
		return body
	}
	if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn || vm.Guest.ToolsRunningStatus != string(types.VirtualMachineToolsRunningStatusGuestToolsRunning) {
		body.Fault_ = simulator.Fault("VMware Tools are not running in the guest", &types.GuestOperationsUnavailable{})
		return body
	}
	auth, ok := r.Auth.(*types.NamePasswordAuthentication)
	if !ok || auth.Username == "" || auth.Password != *guestPassword {
		body.Fault_ = simulator.Fault("Failed to authenticate with the guest operating system using the supplied credentials.", &types.InvalidGuestLogin{})
		return body
	}
	body.Res = &types.ValidateCredentialsInGuestResponse{}
	return body
}

func registerGuestAuth(c *vim25.Client) {
	if *guestPassword == "" || c.ServiceContent.GuestOperationsManager == nil {
		return
	}
	gom, ok := simulator.Map.Get(*c.ServiceContent.GuestOperationsManager).(*simulator.GuestOperationsManager)
	if !ok {
		return
	}
	m := &guestAuthManager{}
	m.Self = types.ManagedObjectReference{Type: "GuestAuthManager", Value: "guestOperationsAuthManager"}
	simulator.Map.Put(m)
	gom.AuthManager = &m.Self
}
