package config

import (
	"reflect"
	"time"
)

type fieldInfo struct {
	name, typ, def, desc string
	secret               bool
	nested               any
}

var (
	secretType   = reflect.TypeOf(Secret(""))
	durationType = reflect.TypeOf(time.Duration(0))
	idMapType    = reflect.TypeOf(IDMap(nil))
)

func fieldsOf(v any) []fieldInfo {
	rv := reflect.ValueOf(v).Elem()
	rt := rv.Type()
	var out []fieldInfo
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		if f.Tag.Get("ignored") == "true" {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, fieldInfo{nested: rv.Field(i).Addr().Interface()})
			continue
		}
		out = append(out, fieldOf(f))
	}
	return out
}

// fieldOf describes one variable's field: its name, type for people, default and description.
func fieldOf(f reflect.StructField) fieldInfo {
	fi := fieldInfo{name: f.Tag.Get("envconfig"), def: f.Tag.Get("default"), desc: f.Tag.Get("desc")}
	switch f.Type {
	case secretType:
		fi.typ, fi.secret = "secret", true
	case durationType:
		fi.typ = "duration"
	case idMapType:
		fi.typ = "inboxID:teamID list"
	default:
		fi.typ = f.Type.Kind().String()
	}
	return fi
}
