//! `#[derive(Spec)]` and `#[derive(SpecEnum)]` for eco's typed resource specs.
//!
//! The traits, their contract and the field types they accept are documented in
//! `eco_schema::spec`; this crate only generates their implementations, so that an attribute's
//! name, shape, update strategy and documentation are written once, on a struct field.
//!
//! ```text
//! #[derive(Spec)]
//! #[eco(resource = "cognito-group", doc = "A group in a Cognito user pool",
//!       import_id = "`POOL-ID/GROUP-NAME`")]
//! pub struct CognitoGroup {
//!     /// id of the user pool
//!     #[eco(replace)]
//!     pub user_pool: String,
//!     /// description (UpdateGroup)
//!     pub description: Option<String>,
//! }
//!
//! #[derive(SpecEnum)]
//! pub enum BillingMode {
//!     #[eco(rename = "PAY_PER_REQUEST")]
//!     PayPerRequest,
//!     #[eco(rename = "PROVISIONED")]
//!     Provisioned,
//! }
//! ```

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::{parse_macro_input, Data, DeriveInput, Fields, LitStr};

/// Derives `eco_schema::spec::Spec` (and `SpecValue`/`SpecItem`, so the struct can be a block
/// of another spec). With `#[eco(resource = "type-name", doc = "..")]` it also gives the struct
/// `TYPE_NAME` and `schema()`.
#[proc_macro_derive(Spec, attributes(eco))]
pub fn derive_spec(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    spec(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Derives `eco_schema::spec::SpecEnum` (and `SpecValue`/`SpecItem`) for a fieldless enum;
/// each variant is spelled by `#[eco(rename = "..")]`, or else by its name (in
/// SCREAMING_SNAKE_CASE with `#[eco(rename_all = "SCREAMING_SNAKE_CASE")]` on the enum).
#[proc_macro_derive(SpecEnum, attributes(eco))]
pub fn derive_spec_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    spec_enum(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

#[derive(Default)]
struct ContainerOpts {
    resource: Option<LitStr>,
    doc: Option<LitStr>,
    import_id: Option<LitStr>,
    label: Option<LitStr>,
    rename_all: Option<LitStr>,
    prevent_destroy_by_default: bool,
}

#[derive(Default)]
struct FieldOpts {
    rename: Option<LitStr>,
    doc: Option<LitStr>,
    guarded: Option<LitStr>,
    derived_from: Option<LitStr>,
    derived_when: Option<LitStr>,
    name_rule: Option<syn::Ident>,
    min: Option<syn::LitInt>,
    max: Option<syn::LitInt>,
    required: bool,
    replace: bool,
    computed: bool,
    sensitive: bool,
    json: bool,
    local: bool,
    unordered: bool,
    ordered: bool,
    additive: bool,
    declared_labels: bool,
    tags: bool,
    flatten: bool,
}

/// Calls `option` with each `key` (and its meta, to read `= value`) of every `#[eco(...)]`.
fn each_option(
    attrs: &[syn::Attribute],
    mut option: impl FnMut(&str, &syn::meta::ParseNestedMeta) -> syn::Result<bool>,
) -> syn::Result<()> {
    for attr in attrs.iter().filter(|a| a.path().is_ident("eco")) {
        attr.parse_nested_meta(|m| {
            let key = m
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            if option(&key, &m)? {
                Ok(())
            } else {
                Err(m.error(format!("unknown eco option `{key}`")))
            }
        })?;
    }
    Ok(())
}

fn container_opts(attrs: &[syn::Attribute]) -> syn::Result<ContainerOpts> {
    let mut o = ContainerOpts::default();
    each_option(attrs, |key, m| {
        match key {
            "resource" => o.resource = Some(m.value()?.parse()?),
            "doc" => o.doc = Some(m.value()?.parse()?),
            "import_id" => o.import_id = Some(m.value()?.parse()?),
            "label" => o.label = Some(m.value()?.parse()?),
            "rename_all" => {
                let rule: LitStr = m.value()?.parse()?;
                if rule.value() != "SCREAMING_SNAKE_CASE" {
                    return Err(m.error("rename_all takes \"SCREAMING_SNAKE_CASE\""));
                }
                o.rename_all = Some(rule);
            }
            "prevent_destroy_by_default" => o.prevent_destroy_by_default = true,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(o)
}

fn field_opts(attrs: &[syn::Attribute]) -> syn::Result<FieldOpts> {
    let mut o = FieldOpts::default();
    each_option(attrs, |key, m| {
        match key {
            "rename" => o.rename = Some(m.value()?.parse()?),
            "doc" => o.doc = Some(m.value()?.parse()?),
            "guarded" => o.guarded = Some(m.value()?.parse()?),
            "derived_from" => o.derived_from = Some(m.value()?.parse()?),
            "derived_when" => o.derived_when = Some(m.value()?.parse()?),
            "name_rule" => o.name_rule = Some(m.value()?.parse()?),
            "min" => o.min = Some(m.value()?.parse()?),
            "max" => o.max = Some(m.value()?.parse()?),
            "required" => o.required = true,
            "replace" => o.replace = true,
            "computed" => o.computed = true,
            "sensitive" => o.sensitive = true,
            "json" => o.json = true,
            "local" => o.local = true,
            "unordered" => o.unordered = true,
            "ordered" => o.ordered = true,
            "additive" => o.additive = true,
            "declared_labels" => o.declared_labels = true,
            "tags" => o.tags = true,
            "flatten" => o.flatten = true,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if o.doc.is_none() {
        o.doc = doc_comment(attrs);
    }
    Ok(o)
}

/// A field's `///` doc comment, its lines joined with spaces: the attribute's documentation when
/// `#[eco(doc = "..")]` does not give it (as kube-derive takes a CRD field's description).
fn doc_comment(attrs: &[syn::Attribute]) -> Option<LitStr> {
    let mut lines = Vec::new();
    let mut span = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                lines.push(s.value().trim().to_string());
                span.get_or_insert(s.span());
            }
        }
    }
    let text = lines.join(" ").trim().to_string();
    (!text.is_empty()).then(|| LitStr::new(&text, span.expect("a doc line")))
}

/// `PayPerRequest` -> `PAY_PER_REQUEST`.
fn screaming_snake(ident: &syn::Ident) -> String {
    let mut out = String::new();
    for (i, c) in ident.to_string().chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// `user_pool` -> `user-pool`.
fn kebab(ident: &syn::Ident) -> String {
    ident.to_string().trim_start_matches("r#").replace('_', "-")
}

fn spec(input: DeriveInput) -> syn::Result<TokenStream2> {
    let name = &input.ident;
    let opts = container_opts(&input.attrs)?;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "#[derive(Spec)] takes a struct with named fields",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "#[derive(Spec)] takes a struct with named fields",
        ));
    };

    let label = opts.label.as_ref().map(LitStr::value);
    let mut attribute_exprs = Vec::new();
    let mut readers = Vec::new();
    let mut writers = Vec::new();
    let mut schema_steps = Vec::new();
    let mut label_seen = false;
    for field in &fields.named {
        let ident = field.ident.as_ref().expect("named field");
        let ty = &field.ty;
        let f = field_opts(&field.attrs)?;
        if f.flatten {
            // The fields of another spec, written at this level.
            attribute_exprs.push(quote!(out.extend(<#ty as ::eco_schema::spec::Spec>::fields());));
            schema_steps.push(quote!(
                for a in <#ty as ::eco_schema::spec::Spec>::fields() {
                    schema = schema.attr(a);
                }
            ));
            readers.push(
                quote!(#ident: <#ty as ::eco_schema::spec::Spec>::from_attrs_at(attrs, path)?),
            );
            writers.push(quote!(out.extend(::eco_schema::spec::Spec::to_attrs(&self.#ident));));
            continue;
        }
        let attr_name = f
            .rename
            .as_ref()
            .map(LitStr::value)
            .unwrap_or_else(|| kebab(ident));
        let attr_lit = LitStr::new(&attr_name, Span::call_site());
        let is_label = label.as_deref() == Some(attr_name.as_str());
        label_seen |= is_label;

        let mut modifiers = Vec::new();
        if f.required {
            modifiers.push(quote!(.required()));
        }
        if f.replace {
            modifiers.push(quote!(.forces_replacement()));
        }
        if let Some(why) = &f.guarded {
            modifiers.push(quote!(.guarded(#why)));
        }
        if let Some(rule) = &f.name_rule {
            modifiers.push(quote!(.name_rule(::eco_schema::NameRule::#rule)));
        }
        if let Some(from) = &f.derived_from {
            // `derived_from = "name, path"`: the attributes' kebab-case names.
            let names: Vec<String> = from
                .value()
                .split(',')
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .collect();
            modifiers.push(quote!(.derived_from(&[#(#names),*])));
        }
        if let Some(flag) = &f.derived_when {
            // `derived_when = "publish"`: the flag's kebab-case name.
            let flag = flag.value();
            modifiers.push(quote!(.derived_when(#flag)));
        }
        for (on, m) in [
            (f.computed, quote!(.computed())),
            (f.sensitive, quote!(.sensitive())),
            (f.json, quote!(.json())),
            (f.local, quote!(.local())),
            (f.unordered, quote!(.unordered())),
            (f.ordered, quote!(.ordered())),
            (f.additive, quote!(.additive())),
            (f.declared_labels, quote!(.declared_labels())),
        ] {
            if on {
                modifiers.push(m);
            }
        }
        match (&f.min, &f.max) {
            (None, None) => {}
            (min, max) => {
                let min = min.as_ref().map(|m| quote!(#m)).unwrap_or(quote!(i64::MIN));
                let max = max.as_ref().map(|m| quote!(#m)).unwrap_or(quote!(i64::MAX));
                modifiers.push(quote!(.range(#min, #max)));
            }
        }
        if let Some(doc) = &f.doc {
            modifiers.push(quote!(.doc(#doc)));
        }
        let attribute = if is_label {
            // The node's argument sets the label: the field itself is never written, so it is
            // not required unless marked so (a block written once whose argument must be given).
            let required = f.required;
            quote!({
                let mut a = ::eco_schema::spec::field_attribute::<#ty>(#attr_lit) #(#modifiers)*;
                a.required = #required;
                a
            })
        } else {
            quote!(::eco_schema::spec::field_attribute::<#ty>(#attr_lit) #(#modifiers)*)
        };
        if f.tags {
            schema_steps.push(quote!(schema = schema.taggable();));
        } else {
            schema_steps.push(quote!(schema = schema.attr(#attribute);));
        }
        attribute_exprs.push(quote!(out.push(#attribute);));
        readers.push(quote!(#ident: ::eco_schema::spec::read_checked::<#ty>(
            attrs,
            &#attribute,
            path,
        )?));
        writers.push(quote!(
            if let Some(v) = ::eco_schema::spec::SpecValue::to_value(&self.#ident) {
                out.insert(#attr_lit.to_string(), v);
            }
        ));
    }
    if let (Some(l), false) = (&opts.label, label_seen) {
        return Err(syn::Error::new_spanned(
            l,
            "the label names no field of this struct",
        ));
    }

    let label_fn = match &opts.label {
        Some(l) => quote!(fn label() -> Option<&'static str> { Some(#l) }),
        None => quote!(),
    };
    let resource = match &opts.resource {
        Some(type_name) => {
            let doc = opts
                .doc
                .clone()
                .unwrap_or_else(|| LitStr::new("", Span::call_site()));
            let import_id = opts
                .import_id
                .clone()
                .unwrap_or_else(|| LitStr::new("", Span::call_site()));
            let prevent = if opts.prevent_destroy_by_default {
                quote!(schema = schema.prevent_destroy_by_default();)
            } else {
                quote!()
            };
            quote!(
                impl #name {
                    /// The KDL node name of this resource type.
                    pub const TYPE_NAME: &'static str = #type_name;
                    /// This resource type's schema, from its fields.
                    pub fn schema() -> ::eco_schema::Schema {
                        let mut schema = ::eco_schema::Schema::new(#type_name, #doc).import_id(#import_id);
                        #(#schema_steps)*
                        #prevent
                        schema
                    }
                }
            )
        }
        None => quote!(),
    };

    Ok(quote!(
        impl ::eco_schema::spec::Spec for #name {
            fn fields() -> Vec<::eco_schema::Attribute> {
                let mut out = Vec::new();
                #(#attribute_exprs)*
                out
            }
            #label_fn
            fn from_attrs_at(
                attrs: &::std::collections::BTreeMap<String, ::eco_schema::Value>,
                path: &str,
            ) -> Result<Self, ::eco_schema::spec::SpecError> {
                Ok(#name { #(#readers),* })
            }
            fn to_attrs(&self) -> ::std::collections::BTreeMap<String, ::eco_schema::Value> {
                let mut out = ::std::collections::BTreeMap::new();
                #(#writers)*
                out
            }
        }
        impl ::eco_schema::spec::SpecValue for #name {
            fn shape() -> ::eco_schema::Shape {
                ::eco_schema::spec::block_shape::<#name>(false)
            }
            fn from_value(
                v: &::eco_schema::Value,
                path: &str,
            ) -> Result<Self, ::eco_schema::spec::SpecError> {
                ::eco_schema::spec::block_from_value(v, path)
            }
            fn to_value(&self) -> Option<::eco_schema::Value> {
                Some(::eco_schema::Value::Map(::eco_schema::spec::Spec::to_attrs(self)))
            }
        }
        impl ::eco_schema::spec::SpecItem for #name {
            fn list_shape() -> ::eco_schema::Shape {
                ::eco_schema::spec::block_shape::<#name>(true)
            }
        }
        #resource
    ))
}

fn spec_enum(input: DeriveInput) -> syn::Result<TokenStream2> {
    let name = &input.ident;
    let opts = container_opts(&input.attrs)?;
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "#[derive(SpecEnum)] takes a fieldless enum",
        ));
    };
    let mut spellings = Vec::new();
    let mut variants = Vec::new();
    for v in &data.variants {
        if !matches!(v.fields, Fields::Unit) {
            return Err(syn::Error::new_spanned(
                v,
                "SpecEnum variants take no fields",
            ));
        }
        let f = field_opts(&v.attrs)?;
        let spelled = f.rename.unwrap_or_else(|| {
            let spelled = match opts.rename_all {
                Some(_) => screaming_snake(&v.ident),
                None => v.ident.to_string(),
            };
            LitStr::new(&spelled, Span::call_site())
        });
        spellings.push(spelled);
        variants.push(&v.ident);
    }
    Ok(quote!(
        impl ::eco_schema::spec::SpecEnum for #name {
            const ALLOWED: &'static [&'static str] = &[#(#spellings),*];
            const VARIANTS: &'static [Self] = &[#(#name::#variants),*];
            fn as_str(&self) -> &'static str {
                match self { #(#name::#variants => #spellings),* }
            }
        }
        impl ::eco_schema::spec::SpecValue for #name {
            fn shape() -> ::eco_schema::Shape {
                ::eco_schema::Shape::Scalar(::eco_schema::ScalarType::String)
            }
            fn allowed() -> &'static [&'static str] {
                <#name as ::eco_schema::spec::SpecEnum>::ALLOWED
            }
            fn from_value(
                v: &::eco_schema::Value,
                path: &str,
            ) -> Result<Self, ::eco_schema::spec::SpecError> {
                ::eco_schema::spec::enum_from_value(v, path)
            }
            fn to_value(&self) -> Option<::eco_schema::Value> {
                Some(::eco_schema::Value::String(
                    ::eco_schema::spec::SpecEnum::as_str(self).to_string(),
                ))
            }
        }
        impl ::eco_schema::spec::SpecItem for #name {
            fn list_shape() -> ::eco_schema::Shape {
                ::eco_schema::Shape::List(::eco_schema::ScalarType::String)
            }
        }
    ))
}
