package config

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// Schema files, committed and referenced from each YAML file's first line.
const (
	FleetSchemaFile  = "fleet.schema.json"
	TenantSchemaFile = "tenants/schema.json"
)

// FleetSchema returns the JSON Schema of fleet.yaml, generated from the Go types.
func FleetSchema() []byte {
	return schemaDocument(reflect.TypeOf(Fleet{}), "Fleet config (fleet.yaml)", "Product, platform account, environments, cells and the service catalog.")
}

// TenantSchema returns the JSON Schema of tenants/<id>.yaml, generated from the Go types.
func TenantSchema() []byte {
	return schemaDocument(reflect.TypeOf(Tenant{}), "Tenant file (tenants/<id>.yaml)", "One partner: tier, environments, domains, overrides and contacts.")
}

func schemaDocument(t reflect.Type, title, desc string) []byte {
	s := schemaOf(t, reflect.StructTag(""))
	s["$schema"] = "http://json-schema.org/draft-07/schema#"
	s["title"] = title
	s["description"] = desc + " Generated from config/types.go by `make schema`; do not edit."
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(out, '\n')
}

func schemaOf(t reflect.Type, tag reflect.StructTag) map[string]any {
	s := map[string]any{}
	if d := tag.Get("doc"); d != "" {
		if def := tag.Get("default"); def != "" {
			d += " Default: " + def + "."
		}
		s["description"] = d
	}
	switch t.Kind() {
	case reflect.Pointer:
		inner := schemaOf(t.Elem(), tag)
		return inner
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		addStructProps(t, props, &required)
		s["type"] = "object"
		s["properties"] = props
		s["additionalProperties"] = false
		if len(required) > 0 {
			s["required"] = required
		}
	case reflect.Slice:
		s["type"] = "array"
		s["items"] = schemaOf(t.Elem(), elemTag(tag))
	case reflect.Map:
		s["type"] = "object"
		s["additionalProperties"] = schemaOf(t.Elem(), "")
	case reflect.String:
		s["type"] = "string"
		if e := tag.Get("enum"); e != "" {
			s["enum"] = strings.Split(e, ",")
		}
		if p := tag.Get("pattern"); p != "" {
			s["pattern"] = p
		}
		if f := tag.Get("format"); f == "email" || f == "hostname" {
			s["format"] = f
		}
	case reflect.Int:
		s["type"] = "integer"
		if e := tag.Get("enum"); e != "" {
			var vals []int
			for _, v := range strings.Split(e, ",") {
				n, _ := strconv.Atoi(v)
				vals = append(vals, n)
			}
			s["enum"] = vals
		}
		if m := tag.Get("min"); m != "" {
			n, _ := strconv.Atoi(m)
			s["minimum"] = n
		}
		if m := tag.Get("max"); m != "" {
			n, _ := strconv.Atoi(m)
			s["maximum"] = n
		}
	case reflect.Bool:
		s["type"] = "boolean"
	default:
		panic("config: no schema for " + t.String())
	}
	return s
}

// elemTag keeps the value constraints of a list field for its items, and drops its doc.
func elemTag(tag reflect.StructTag) reflect.StructTag {
	var parts []string
	for _, k := range []string{"enum", "pattern", "format"} {
		if v := tag.Get(k); v != "" {
			parts = append(parts, k+":"+strconv.Quote(v))
		}
	}
	return reflect.StructTag(strings.Join(parts, " "))
}

func addStructProps(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		yt := f.Tag.Get("yaml")
		if strings.Contains(yt, ",inline") {
			addStructProps(f.Type, props, required)
			continue
		}
		name := strings.Split(yt, ",")[0]
		props[name] = schemaOf(f.Type, f.Tag)
		if !strings.Contains(yt, ",omitempty") {
			*required = append(*required, name)
		}
	}
}
