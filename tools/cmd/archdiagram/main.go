// Command archdiagram draws the architecture as SVG from the rendered preview
// (make render): what it shows (zones, subnets and their ranges, the data
// tier's members, the edge, the cluster and one tenant's namespace) is read
// from the composed resources, so the picture changes when the code does.
// The layout is fixed; the content is not.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/alecthomas/kong"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

type cli struct {
	Platform string `help:"Rendered platform example." required:"" type:"existingfile"`
	Tenant   string `help:"Rendered tenant example on that platform." required:"" type:"existingfile"`
	Out      string `help:"SVG file to write." required:"" type:"path"`
}

func main() {
	c := &cli{}
	ctx := kong.Parse(c, kong.Description("Draw the architecture from the rendered examples."))
	ctx.FatalIfErrorf(c.Run())
}

func (c *cli) Run() error {
	p, err := read(c.Platform)
	if err != nil {
		return err
	}
	t, err := read(c.Tenant)
	if err != nil {
		return err
	}
	m, err := Extract(p, t)
	if err != nil {
		return err
	}
	return os.WriteFile(c.Out, Draw(m), 0o644) //nolint:gosec // Checked-in picture.
}

func read(path string) ([]*unstructured.Unstructured, error) {
	f, err := os.Open(path) //nolint:gosec // Paths come from the operator.
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck // Read only.
	d := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
	var out []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := d.Decode(&u.Object); err != nil {
			if err == io.EOF {
				return out, nil
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// Model is what the picture shows, read from the rendered resources.
type Model struct {
	Platform, Region, VPCCIDR string
	Zones                     []Zone
	Endpoints                 []string
	Bastion                   string

	Aurora, Cache, Search string
	MongoDB               string

	DNSZone, CloudFront, WAF, CloudFrontWAF, Certificate, Email string
	Registries                                                  int

	EKSVersion, NodePools, Addons string
	SystemNamespaces              []string
	EdgeNamespace, EdgeIngress    string
	IngressClass                  string

	Namespace      string
	TenantObjects  []string
	TenantHosts    []string
	TenantAWS      []string
	ProvisionJobNS string
}

// Zone is one availability zone's subnets and what is placed in them.
type Zone struct {
	Name    string
	Subnets map[string]string // tier: CIDR
	NAT     bool
	Data    []string
}

const (
	labelTier = "platform.openedx.cloud/tier"
	labelZone = "platform.openedx.cloud/zone"
	keyAnno   = "crossplane.io/composition-resource-name"
)

func key(u *unstructured.Unstructured) string { return u.GetAnnotations()[keyAnno] }

func str(u *unstructured.Unstructured, path ...string) string {
	s, _, _ := unstructured.NestedString(u.Object, append([]string{"spec", "forProvider"}, path...)...)
	return s
}

func first(u *unstructured.Unstructured, list string, path ...string) string {
	l, _, _ := unstructured.NestedSlice(u.Object, "spec", "forProvider", list)
	if len(l) == 0 {
		return ""
	}
	m, ok := l[0].(map[string]any)
	if !ok {
		return ""
	}
	s, _, _ := unstructured.NestedFieldNoCopy(m, path...)
	return fmt.Sprint(s)
}

func selectorZone(u *unstructured.Unstructured) string {
	z, _, _ := unstructured.NestedString(u.Object, "spec", "forProvider", "subnetIdSelector", "matchLabels", labelZone)
	return z
}

// Extract reads the model from a rendered platform and tenant.
func Extract(platform, tenant []*unstructured.Unstructured) (*Model, error) {
	m := &Model{}
	zones := map[string]*Zone{}
	zone := func(name string) *Zone {
		if zones[name] == nil {
			zones[name] = &Zone{Name: name, Subnets: map[string]string{}}
		}
		return zones[name]
	}
	var endpoints, addons []string
	mongo, aurora, cacheNodes := 0, 0, ""
	for _, u := range platform {
		k := key(u)
		switch u.GetKind() {
		case "XPlatform":
			m.Platform = u.GetName()
			m.Region, _, _ = unstructured.NestedString(u.Object, "spec", "region")
		case "VPC":
			m.VPCCIDR = str(u, "cidrBlock")
		case "Subnet":
			l := u.GetLabels()
			zone(l[labelZone]).Subnets[l[labelTier]] = str(u, "cidrBlock")
		case "NATGateway":
			zone(selectorZone(u)).NAT = true
		case "VPCEndpoint":
			s := str(u, "serviceName")
			endpoints = append(endpoints, s[strings.LastIndex(s, ".")+1:])
		case "LaunchTemplate":
			if u.GetLabels()["platform.openedx.cloud/role"] == "bastion" {
				l, _, _ := unstructured.NestedSlice(u.Object, "spec", "forProvider", "networkInterfaces")
				if len(l) > 0 {
					t, _, _ := unstructured.NestedString(l[0].(map[string]any), "subnetIdSelector", "matchLabels", labelTier)
					m.Bastion = t
				}
			}
		case "Cluster":
			if u.GetAPIVersion() == "rds.aws.upbound.io/v1beta1" || strings.HasPrefix(u.GetAPIVersion(), "rds.") {
				m.Aurora = fmt.Sprintf("%s %s", str(u, "engine"), str(u, "engineVersion"))
			}
			if strings.HasPrefix(u.GetAPIVersion(), "eks.") {
				m.EKSVersion = str(u, "version")
				l, _, _ := unstructured.NestedSlice(u.Object, "spec", "forProvider", "computeConfig")
				if len(l) > 0 {
					pools, _, _ := unstructured.NestedStringSlice(l[0].(map[string]any), "nodePools")
					m.NodePools = strings.Join(pools, ", ")
				}
			}
		case "ClusterInstance":
			aurora++
			z := zone(str(u, "availabilityZone"))
			z.Data = append(z.Data, "Aurora "+str(u, "instanceClass"))
		case "Instance":
			if strings.HasPrefix(k, "mongodb-") {
				mongo++
				z := zone(selectorZone(u))
				z.Data = append(z.Data, "MongoDB "+str(u, "instanceType"))
			}
		case "ReplicationGroup":
			n, _, _ := unstructured.NestedFloat64(u.Object, "spec", "forProvider", "numCacheClusters")
			m.Cache = fmt.Sprintf("ElastiCache %s %s: %d node(s), TLS and an auth token", str(u, "engine"), str(u, "engineVersion"), int(n))
			cacheNodes = str(u, "nodeType")
			azs, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "forProvider", "preferredCacheClusterAzs")
			for _, a := range azs {
				z := zone(a)
				z.Data = append(z.Data, "Valkey "+cacheNodes)
			}
		case "Domain":
			if strings.HasPrefix(u.GetAPIVersion(), "opensearch.") {
				m.Search = "OpenSearch " + strings.TrimPrefix(str(u, "engineVersion"), "OpenSearch_")
			}
		case "Zone":
			if k == "dns-zone" {
				m.DNSZone = str(u, "name")
			}
		case "Distribution":
			l, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "forProvider", "aliases")
			m.CloudFront = strings.Join(l, ", ")
		case "WebACL":
			// The distribution has a web ACL of its own, of scope CLOUDFRONT.
			if str(u, "scope") == "CLOUDFRONT" {
				m.CloudFrontWAF = "WAF web ACL " + str(u, "name")
			} else {
				m.WAF = str(u, "name") + ", attached to the ALB"
			}
		case "Certificate":
			if k == "acm-certificate" {
				m.Certificate = str(u, "domainName")
				if alt, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "forProvider", "subjectAlternativeNames"); len(alt) > 0 {
					m.Certificate += ", " + strings.Join(alt, ", ")
				}
			}
		case "EmailIdentity":
			m.Email = str(u, "emailIdentity")
			if m.Email == "" {
				m.Email = u.GetName()
			}
		case "Repository":
			m.Registries++
		case "Addon":
			addons = append(addons, strings.TrimPrefix(k, "eks-addon-"))
		case "Object":
			kind, _, _ := unstructured.NestedString(u.Object, "spec", "forProvider", "manifest", "kind")
			name, _, _ := unstructured.NestedString(u.Object, "spec", "forProvider", "manifest", "metadata", "name")
			ns, _, _ := unstructured.NestedString(u.Object, "spec", "forProvider", "manifest", "metadata", "namespace")
			switch kind {
			case "Namespace":
				m.SystemNamespaces = append(m.SystemNamespaces, name)
			case "Ingress":
				m.EdgeIngress = fmt.Sprintf("Ingress %s", name)
				m.EdgeNamespace = ns
			case "IngressClass":
				m.IngressClass = name
			}
		}
	}
	if m.VPCCIDR == "" || len(zones) == 0 {
		return nil, fmt.Errorf("the platform render has no VPC or subnets")
	}
	m.Aurora = fmt.Sprintf("Aurora %s: %d instance(s), one of them the writer", m.Aurora, aurora)
	if mongo > 0 {
		m.MongoDB = fmt.Sprintf("MongoDB replica set, %d members on EC2", mongo)
	}
	sort.Strings(endpoints)
	sort.Strings(addons)
	m.Endpoints, m.Addons = endpoints, strings.Join(addons, ", ")
	names := make([]string, 0, len(zones))
	for n := range zones {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sort.Strings(zones[n].Data)
		m.Zones = append(m.Zones, *zones[n])
	}

	counts := map[string]int{}
	for _, u := range tenant {
		switch u.GetKind() {
		case "Object":
			kind, _, _ := unstructured.NestedString(u.Object, "spec", "forProvider", "manifest", "kind")
			ns, _, _ := unstructured.NestedString(u.Object, "spec", "forProvider", "manifest", "metadata", "namespace")
			name, _, _ := unstructured.NestedString(u.Object, "spec", "forProvider", "manifest", "metadata", "name")
			switch {
			case kind == "Namespace":
				m.Namespace = name
			case kind == "Job":
				m.ProvisionJobNS = ns
			case ns != "" && ns == m.Namespace || ns != "" && ns != "openedx-system":
				counts[kind]++
			}
		case "Record":
			n := str(u, "name")
			if !strings.HasPrefix(n, "_") {
				m.TenantHosts = append(m.TenantHosts, n)
			}
		case "Bucket":
			m.TenantAWS = append(m.TenantAWS, "S3 bucket (storage)")
		case "Role":
			m.TenantAWS = append(m.TenantAWS, "IAM role (Pod Identity)")
		case "User":
			m.TenantAWS = append(m.TenantAWS, "IAM user (SES SMTP)")
		case "Secret":
			m.TenantAWS = append(m.TenantAWS, "Secrets Manager (Tutor config)")
		case "Certificate":
			m.TenantAWS = append(m.TenantAWS, "ACM certificate")
		}
	}
	if m.Namespace == "" {
		return nil, fmt.Errorf("the tenant render has no Namespace")
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		if counts[k] > 1 {
			m.TenantObjects = append(m.TenantObjects, fmt.Sprintf("%s ×%d", k, counts[k]))
		} else {
			m.TenantObjects = append(m.TenantObjects, k)
		}
	}
	sort.Strings(m.TenantHosts)
	sort.Strings(m.TenantAWS)
	return m, nil
}

// svg accumulates drawing commands.
type svg struct{ b bytes.Buffer }

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func (s *svg) box(x, y, w, h int, fill, stroke, title string, lines ...string) {
	fmt.Fprintf(&s.b, `<rect x="%d" y="%d" width="%d" height="%d" rx="6" fill="%s" stroke="%s"/>`+"\n", x, y, w, h, fill, stroke)
	if title != "" {
		fmt.Fprintf(&s.b, `<text x="%d" y="%d" class="t">%s</text>`+"\n", x+8, y+17, esc(title))
	}
	for i, l := range lines {
		fmt.Fprintf(&s.b, `<text x="%d" y="%d">%s</text>`+"\n", x+8, y+34+i*15, esc(l))
	}
}

func (s *svg) text(x, y int, class, t string) {
	fmt.Fprintf(&s.b, `<text x="%d" y="%d" class="%s">%s</text>`+"\n", x, y, class, esc(t))
}

// link draws an arrow through the given points, with its label at (lx, ly),
// turned to run along a vertical segment when up is set.
func (s *svg) link(label string, lx, ly int, up bool, pts ...[2]int) {
	var p []string
	for _, pt := range pts {
		p = append(p, fmt.Sprintf("%d,%d", pt[0], pt[1]))
	}
	fmt.Fprintf(&s.b, `<polyline points="%s" class="l" marker-end="url(#a)"/>`+"\n", strings.Join(p, " "))
	if label == "" {
		return
	}
	if up {
		fmt.Fprintf(&s.b, `<text x="%d" y="%d" class="ll" transform="rotate(-90 %d %d)" text-anchor="middle">%s</text>`+"\n", lx, ly, lx, ly, esc(label))
		return
	}
	fmt.Fprintf(&s.b, `<text x="%d" y="%d" class="ll">%s</text>`+"\n", lx, ly, esc(label))
}

const (
	edgeFill, edgeLine = "#fff4e5", "#e08a00"
	netFill, netLine   = "#eef5ff", "#3b73b9"
	dataFill, dataLine = "#eaf7ee", "#2f8f4e"
	k8sFill, k8sLine   = "#f1ecfb", "#6b4fbb"
)

// Draw lays the model out: the edge on the left, the VPC and its three
// zones in the middle, the cluster and the tenant on the right.
func Draw(m *Model) []byte {
	s := &svg{}
	const ex, ew = 20, 230           // edge column
	const vx, vy, vw = 330, 60, 700  // VPC
	const cx, cy, cw = 1100, 60, 340 // cluster

	data := []string{m.Aurora, m.Cache}
	if m.MongoDB != "" {
		data = append(data, m.MongoDB)
	}
	if m.Search != "" {
		data = append(data, m.Search+" domain across the zones (optional)")
	}
	dataH := 25 + 15*len(data)
	vh := 35 + 470 + 10 + 50 + 10 + dataH + 10
	ty := cy + 260
	hy := ty + 55 + 15*len(m.TenantObjects)
	ay := hy + 40 + 15*len(m.TenantHosts)
	ch := ay + 25 + 15*len(m.TenantAWS) + 10 - cy
	W, H := cx+cw+20, max(vy+vh, cy+ch)+20

	fmt.Fprintf(&s.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">
<!-- Generated by tools/cmd/archdiagram from the rendered examples. DO NOT EDIT. -->
<defs><marker id="a" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>
<style>text{fill:#222} .t{font-weight:bold} .h{font-size:18px;font-weight:bold} .s{font-size:13px;font-weight:bold} .ll{font-size:11px;fill:#444;font-style:italic} .l{fill:none;stroke:#444;stroke-width:1.4}</style>
<rect width="%d" height="%d" fill="#ffffff"/>
`, W, H, W, H, W, H)
	s.text(20, 30, "h", fmt.Sprintf("Open edX on AWS: platform %q in %s, with tenant namespace %s", m.Platform, m.Region, m.Namespace))

	// The edge, outside the VPC. An example may compose less of it.
	or := func(v string) string {
		if v == "" {
			return "(not composed in this example)"
		}
		return v
	}
	s.box(ex, 60, ew, 45, "#ffffff", "#888", "Learners and authors", "browsers, mobile apps")
	s.box(ex, 140, ew, 55, edgeFill, edgeLine, "Route 53 hosted zone", or(m.DNSZone))
	s.box(ex, 215, ew, 55, edgeFill, edgeLine, "ACM certificate", strings.Split(or(m.Certificate), ", ")...)
	s.box(ex, 290, ew, 55, edgeFill, edgeLine, "WAF web ACL", or(m.WAF))
	s.box(ex, 365, ew, 75, edgeFill, edgeLine, "CloudFront", or(m.CloudFront), "origin: the S3 static bucket", m.CloudFrontWAF)
	s.box(ex, 460, ew, 40, edgeFill, edgeLine, "S3 static bucket (private, OAC)")
	s.box(ex, 525, ew, 55, edgeFill, edgeLine, "SES", "domain identity, configuration set")
	s.box(ex, 600, ew, 55, edgeFill, edgeLine, "ECR", fmt.Sprintf("%d repositories", m.Registries))

	// The VPC and its zones.
	s.box(vx, vy, vw, vh, netFill, netLine, "")
	s.text(vx+10, vy+22, "s", fmt.Sprintf("VPC %s", m.VPCCIDR))
	s.text(vx+vw-160, vy+22, "t", "+ Internet gateway")
	tiers := []string{"public", "private-app", "private-db"}
	zw := (vw - 40) / 3
	for i, z := range m.Zones {
		if i > 2 {
			break
		}
		zx := vx + 10 + i*(zw+10)
		zy := vy + 35
		s.box(zx, zy, zw, 470, "#f8fbff", "#7fa6d9", "zone "+z.Name)
		for j, t := range tiers {
			var lines []string
			switch t {
			case "public":
				if z.NAT {
					lines = append(lines, "NAT gateway")
				}
				lines = append(lines, "ALB nodes (EKS Auto Mode)")
			case "private-app":
				lines = append(lines, "EKS Auto Mode nodes", "Open edX pods")
				if m.Bastion == t && i == 0 {
					lines = append(lines, "bastion (SSM only)")
				}
			case "private-db":
				lines = append(lines, z.Data...)
			}
			s.box(zx+8, zy+28+j*145, zw-16, 130, "#ffffff", netLine, fmt.Sprintf("%s %s", t, z.Subnets[t]), lines...)
		}
	}
	s.box(vx+10, vy+515, vw-20, 50, "#ffffff", netLine, "VPC endpoints", strings.Join(m.Endpoints, ", ")+": SSM reaches the bastion with no public address")
	dy := vy + 575
	s.box(vx+10, dy, vw-20, dataH, dataFill, dataLine, "Data tier, in the private-db subnets", data...)

	// The cluster and one tenant.
	s.box(cx, cy, cw, ch, k8sFill, k8sLine, "")
	s.text(cx+10, cy+22, "s", "EKS "+m.EKSVersion+", Auto Mode")
	s.box(cx+10, cy+35, cw-20, 70, "#ffffff", k8sLine, "Control plane", "node pools: "+m.NodePools, "add-ons: "+m.Addons)
	s.box(cx+10, cy+120, cw-20, 55, "#ffffff", k8sLine, "namespace "+m.EdgeNamespace, fmt.Sprintf("%s, IngressClass %s: the ALB", m.EdgeIngress, m.IngressClass))
	s.box(cx+10, cy+190, cw-20, 55, "#ffffff", k8sLine, "namespace "+m.ProvisionJobNS, "provisioning Jobs: databases and users")
	s.box(cx+10, ty, cw-20, 40+15*len(m.TenantObjects), "#ffffff", k8sLine, "tenant namespace "+m.Namespace, m.TenantObjects...)
	s.box(cx+10, hy, cw-20, 25+15*len(m.TenantHosts), edgeFill, edgeLine, "tenant DNS records (to the ALB)", m.TenantHosts...)
	s.box(cx+10, ay, cw-20, 25+15*len(m.TenantAWS), dataFill, dataLine, "tenant AWS resources", m.TenantAWS...)

	// Links. Labels of vertical runs are turned along them.
	pub := vy + 35 + 28 + 65 // middle of the public subnets
	s.link("DNS", ex+ew/2+6, 125, false, [2]int{ex + ew/2, 105}, [2]int{ex + ew/2, 140})
	s.link("HTTPS through the WAF", 300, 180, true, [2]int{ex + ew, 75}, [2]int{305, 75}, [2]int{305, pub}, [2]int{vx + 18, pub})
	s.link("static assets", 268, 250, true, [2]int{ex + ew, 95}, [2]int{275, 95}, [2]int{275, 400}, [2]int{ex + ew, 400})
	s.link("", 0, 0, false, [2]int{ex + ew/2, 440}, [2]int{ex + ew/2, 460})
	s.link("ip targets", cx-33, (pub+ty+20)/2, true, [2]int{vx + vw - 18, pub}, [2]int{cx - 25, pub}, [2]int{cx - 25, ty + 20}, [2]int{cx + 10, ty + 20})
	s.link("runs on", vx+vw+5, ty+42, false, [2]int{cx + 10, ty + 50}, [2]int{vx + vw - 18, ty + 50})
	s.link("MySQL, MongoDB, Redis", cx-53, (ty+80+dy+15)/2, true, [2]int{cx + 10, ty + 80}, [2]int{cx - 45, ty + 80}, [2]int{cx - 45, dy + 15}, [2]int{vx + vw - 10, dy + 15})

	fmt.Fprintf(&s.b, "</svg>\n")
	return s.b.Bytes()
}
