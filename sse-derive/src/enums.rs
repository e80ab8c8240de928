//! An enum is a stream of several kinds of events: each variant is one
//! event type, encoded with it and picked by it when decoding.

use proc_macro2::{Span, TokenStream as Tokens};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DataEnum, DeriveInput, Error, Fields, LitStr, Type};

use crate::casing::{self, CASINGS};
use crate::fields::{self, check_all_mapped, with, Field, Role};

enum Shape<'a> {
    /// No value: the data is empty when sent and ignored when read.
    Unit,
    /// `V(T)`: the value is the data.
    Newtype(&'a Type, Span),
    /// `V { .. }`: fields mapped as a struct's; without a `data` field the
    /// unmapped ones are the JSON data.
    Named(Vec<Field<'a>>),
}

struct Variant<'a> {
    ident: &'a syn::Ident,
    /// The event type; unused for the `other` variant.
    event: String,
    span: Span,
    other: bool,
    shape: Shape<'a>,
}

struct Model<'a> {
    variants: Vec<Variant<'a>>,
}

fn container_casing(input: &DeriveInput) -> syn::Result<Option<String>> {
    let mut casing = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("sse")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                let lit = meta.value()?.parse::<LitStr>()?;
                if !CASINGS.contains(&lit.value().as_str()) {
                    return Err(Error::new(
                        lit.span(),
                        format!("unknown casing; expected one of {}", CASINGS.join(", ")),
                    ));
                }
                if casing.replace(lit.value()).is_some() {
                    return Err(Error::new(lit.span(), "`rename_all` is given twice"));
                }
                Ok(())
            } else if meta.path.is_ident("event") {
                Err(meta.error(
                    "each variant of an enum is its own event type: put \
                     `#[sse(event = \"name\")]` on the variants, or `#[sse(rename_all = \"...\")]` here",
                ))
            } else {
                Err(meta.error("unknown enum attribute; expected `#[sse(rename_all = \"...\")]`"))
            }
        })?;
    }
    Ok(casing)
}

fn parse_variant<'a>(variant: &'a syn::Variant, casing: Option<&str>) -> syn::Result<Variant<'a>> {
    let mut event = None;
    let mut other = false;
    for attr in variant.attrs.iter().filter(|a| a.path().is_ident("sse")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("event") {
                let lit = meta.value()?.parse::<LitStr>()?;
                let name = lit.value();
                if name.contains(['\r', '\n']) {
                    return Err(Error::new(lit.span(), "event type must not contain CR or LF"));
                }
                if name.is_empty() {
                    return Err(Error::new(
                        lit.span(),
                        "an empty event type reads as `message`: write `message`",
                    ));
                }
                if event.replace(name).is_some() {
                    return Err(Error::new(lit.span(), "this variant's `event` is given twice"));
                }
                Ok(())
            } else if meta.path.is_ident("other") {
                if other {
                    return Err(meta.error("`other` is given twice"));
                }
                other = true;
                Ok(())
            } else {
                Err(meta.error(
                    "unknown variant attribute; expected `#[sse(event = \"name\")]` or `#[sse(other)]`",
                ))
            }
        })?;
    }
    let span = variant.ident.span();
    if other && event.is_some() {
        return Err(Error::new(
            span,
            "the `#[sse(other)]` variant receives every unknown event type: it has no \
             `event = \"...\"` of its own",
        ));
    }
    let name = variant.ident.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    let event = match (event, casing) {
        (Some(event), _) => event,
        (None, Some(casing)) => casing::rename(name, casing).expect("checked casing"),
        (None, None) => name.to_owned(),
    };
    let shape = match &variant.fields {
        Fields::Unit => Shape::Unit,
        Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 && !other => {
            let field = &unnamed.unnamed[0];
            match fields::role_of(&field.attrs)? {
                None | Some(Role::Data) => {}
                Some(_) => {
                    return Err(Error::new(
                        field.span(),
                        "the value of a one-field variant is its data; to send an `id` or \
                         `retry` as well, name the fields and mark them `#[sse(...)]`",
                    ))
                }
            }
            Shape::Newtype(&field.ty, field.span())
        }
        Fields::Unnamed(unnamed) if unnamed.unnamed.is_empty() => {
            return Err(Error::new(
                unnamed.span(),
                "a tuple variant without a value: write it as a unit variant (no parentheses)",
            ))
        }
        Fields::Unnamed(unnamed) => {
            return Err(Error::new(
                unnamed.span(),
                if other {
                    "the `#[sse(other)]` variant is a unit variant, or has named fields with \
                     `#[sse(event)]` for the event type (and `data`, `id`, `retry` as wanted)"
                } else {
                    "a tuple variant carries one value, its data; name the fields to map \
                     several (`#[sse(data)]`, `#[sse(id)]`, `#[sse(retry)]`)"
                },
            ))
        }
        Fields::Named(named) => {
            let fields = fields::parse_named(named)?;
            // The unmapped fields go through a hidden struct of their own, so
            // serde attributes on them would be ignored: refuse them.
            for (field, parsed) in named.named.iter().zip(&fields) {
                let serde = field.attrs.iter().find(|a| a.path().is_ident("serde"));
                if let (Some(attr), None) = (serde, parsed.role) {
                    return Err(Error::new(
                        attr.span(),
                        "serde attributes on a struct variant's fields do not apply to its SSE \
                         data (its fields are serialized by name): put the fields in a struct \
                         that derives `Serialize`/`Deserialize` and make this a one-field \
                         variant of it",
                    ));
                }
            }
            check_all_mapped(&fields)?;
            let event_field = with(&fields, Role::Event);
            if other {
                if event_field.is_none() {
                    return Err(Error::new(
                        span,
                        "the `#[sse(other)]` variant keeps the event type it received: mark a \
                         string field `#[sse(event)]`",
                    ));
                }
                if let Some(unmapped) = fields.iter().find(|f| f.role.is_none()) {
                    return Err(Error::new(
                        unmapped.span,
                        "in the `#[sse(other)]` variant every field is mapped: `#[sse(event)]`, \
                         `#[sse(data)]`, `#[sse(id)]`, `#[sse(retry)]` or `#[sse(skip)]`",
                    ));
                }
            } else if let Some(i) = event_field {
                return Err(Error::new(
                    fields[i].span,
                    format!(
                        "the event type of this variant is `{event}`; `#[sse(event)]` is only \
                         for the `#[sse(other)]` variant, which receives unknown types"
                    ),
                ));
            }
            Shape::Named(fields)
        }
    };
    Ok(Variant { ident: &variant.ident, event, span, other, shape })
}

fn parse_model<'a>(input: &'a DeriveInput, data: &'a DataEnum) -> syn::Result<Model<'a>> {
    let casing = container_casing(input)?;
    let mut variants: Vec<Variant<'a>> = Vec::new();
    for variant in &data.variants {
        let parsed = parse_variant(variant, casing.as_deref())?;
        if let Some(first) = variants.iter().find(|v| v.other && parsed.other) {
            return Err(Error::new(
                parsed.span,
                format!("`{}` is already the `#[sse(other)]` variant; keep one", first.ident),
            ));
        }
        if let Some(first) =
            variants.iter().find(|v| !v.other && !parsed.other && v.event == parsed.event)
        {
            return Err(Error::new(
                parsed.span,
                format!(
                    "event type `{}` is already variant `{}`'s; give one of them another \
                     `#[sse(event = \"...\")]`",
                    parsed.event, first.ident
                ),
            ));
        }
        variants.push(parsed);
    }
    if variants.is_empty() {
        return Err(Error::new(input.ident.span(), "an enum without variants has no events"));
    }
    Ok(Model { variants })
}

/// A hidden struct of a struct variant's unmapped fields, which are its
/// JSON data, derived by serde (re-exported by sse-core). It is generic
/// over the field types so it can be declared inside the impl's function.
/// For encoding it holds references to the fields, for decoding the values.
fn json_struct(fields: &[(usize, &Field<'_>)], by_ref: bool) -> Tokens {
    let fields: Vec<&Field<'_>> = fields.iter().map(|(_, f)| *f).collect();
    let params: Vec<_> = (0..fields.len()).map(|i| format_ident!("__T{}", i)).collect();
    let names = fields.iter().map(|f| f.ident);
    let private = quote!(::sse_core::typed::__private);
    let krate = LitStr::new("::sse_core::typed::__private::serde", Span::call_site());
    // Checked one by one first, so an error points at the field's type.
    let checks = fields.iter().map(|f| {
        let ty = f.ty;
        if by_ref {
            quote_spanned!(f.ty.span()=> #private::serializable::<#ty>();)
        } else {
            quote_spanned!(f.ty.span()=> #private::deserializable::<#ty>();)
        }
    });
    let (derive, lifetime, types): (_, _, Vec<Tokens>) = if by_ref {
        (quote!(Serialize), quote!('__r,), params.iter().map(|p| quote!(&'__r #p)).collect())
    } else {
        (quote!(Deserialize), quote!(), params.iter().map(|p| quote!(#p)).collect())
    };
    quote! {
        #(#checks)*
        #[derive(#private::#derive)]
        #[serde(crate = #krate)]
        struct __SseJson<#lifetime #(#params),*> { #(#names: #types),* }
    }
}

/// The pattern binding a struct variant's fields (skipped ones ignored),
/// each to [`binding`], not to its own name: a field may be called
/// `frame`, `scratch` or `event`, which the generated code uses.
fn bind(fields: &[Field<'_>]) -> Tokens {
    let each = fields.iter().enumerate().map(|(i, f)| {
        let ident = f.ident;
        if f.role == Some(Role::Skip) {
            quote!(#ident: _)
        } else {
            let binding = binding(i);
            quote!(#ident: #binding)
        }
    });
    quote!({ #(#each),* })
}

/// The local name of the `i`th field of a struct variant.
fn binding(i: usize) -> syn::Ident {
    format_ident!("__sse_f{}", i)
}

/// The fields that are the JSON data (unmapped), with their indexes.
fn json_fields<'f, 'a>(fields: &'f [Field<'a>]) -> Vec<(usize, &'f Field<'a>)> {
    fields.iter().enumerate().filter(|(_, f)| f.role.is_none()).collect()
}

/// The types an enum sends as JSON, to bound when the enum is generic
/// (as serde's derive bounds its type parameters).
fn json_types<'m>(model: &'m Model<'_>) -> Vec<&'m Type> {
    let mut types = Vec::new();
    let mut data = |ty: &'m Type| {
        if !fields::is_text(ty) && !fields::option_inner(ty).is_some_and(fields::is_text) {
            types.push(fields::option_inner(ty).unwrap_or(ty));
        }
    };
    for variant in &model.variants {
        match &variant.shape {
            Shape::Unit => {}
            Shape::Newtype(ty, _) => data(ty),
            Shape::Named(fields) => match with(fields, Role::Data) {
                Some(i) => data(fields[i].ty),
                None => json_fields(fields).into_iter().for_each(|(_, f)| data(f.ty)),
            },
        }
    }
    types
}

/// `generics`' where clause, with `bound` on every JSON type if the enum
/// has type parameters.
fn bounded(generics: &syn::Generics, model: &Model<'_>, bound: &Tokens) -> syn::WhereClause {
    let mut clause = generics.where_clause.clone().unwrap_or_else(|| syn::WhereClause {
        where_token: Default::default(),
        predicates: Default::default(),
    });
    if generics.type_params().next().is_some() {
        for ty in json_types(model) {
            clause.predicates.push(syn::parse_quote!(#ty: #bound));
        }
    }
    clause
}

pub(crate) fn expand_to_frame(input: &DeriveInput, data: &DataEnum) -> syn::Result<Tokens> {
    let model = parse_model(input, data)?;
    let where_clause =
        bounded(&input.generics, &model, &quote!(::sse_core::typed::__private::Serialize));
    let core = quote!(::sse_core::typed);
    let arms = model.variants.iter().map(|v| {
        let ident = v.ident;
        let event = &v.event;
        let set_event = quote!(frame.event = ::core::option::Option::Some(#event););
        match &v.shape {
            Shape::Unit if v.other => quote_spanned!(v.span=>
                Self::#ident => {
                    return ::core::result::Result::Err(::sse_core::TypedError::NoEventType);
                }
            ),
            Shape::Unit => quote!(Self::#ident => { #set_event }),
            Shape::Newtype(ty, span) => {
                let data = fields::to_frame(Role::Data, ty, *span, &quote!(__sse_value));
                quote!(Self::#ident(__sse_value) => { #set_event #data })
            }
            Shape::Named(fields) => {
                let pattern = bind(fields);
                // The `other` variant sends the type it holds, unless that
                // would read back as another variant (or as `message`).
                let set_event = if v.other {
                    let known = model.variants.iter().filter(|k| !k.other).map(|k| &k.event);
                    quote!(if let ::core::option::Option::None
                        | ::core::option::Option::Some("" #(| #known)*) = frame.event
                    {
                        return ::core::result::Result::Err(::sse_core::TypedError::AmbiguousEventType);
                    })
                } else {
                    set_event
                };
                let mapped = fields.iter().enumerate().filter_map(|(i, f)| {
                    let value = binding(i);
                    f.role.map(|role| fields::to_frame(role, f.ty, f.span, &quote!(#value)))
                });
                let json = json_fields(fields);
                let data = if with(fields, Role::Data).is_some() || json.is_empty() {
                    quote!()
                } else {
                    let decl = json_struct(&json, true);
                    let names = json.iter().map(|(_, f)| f.ident);
                    let values = json.iter().map(|(i, _)| binding(*i));
                    quote!({
                        #decl
                        let value = __SseJson { #(#names: #values),* };
                        frame.data = ::core::option::Option::Some(#core::json_data(&value, scratch)?);
                    })
                };
                quote!(Self::#ident #pattern => {
                    #(#mapped)*
                    #set_event
                    #data
                })
            }
        }
    });
    let body = quote! {
        match self {
            #(#arms)*
        }
        // Every variant is delivered: a block without a `data` line is not
        // (unit variants, `None` data), so such a value sends empty data.
        if frame.data.is_none() {
            frame.data = ::core::option::Option::Some("");
        }
    };
    Ok(fields::impl_to_frame(input, Some(&where_clause), &body))
}

/// The expression building variant `v` from `event`.
fn build(v: &Variant<'_>, event_lt: &syn::Lifetime) -> Tokens {
    let ident = v.ident;
    let core = quote!(::sse_core::typed);
    match &v.shape {
        Shape::Unit => quote!(::core::result::Result::Ok(Self::#ident)),
        Shape::Newtype(ty, span) => {
            let value = fields::from_event(Some(Role::Data), ty, *span, event_lt);
            quote!(::core::result::Result::Ok(Self::#ident(#value)))
        }
        Shape::Named(fields) => {
            let json = json_fields(fields);
            let read_json = (with(fields, Role::Data).is_none() && !json.is_empty()).then(|| {
                let decl = json_struct(&json, false);
                let names = json.iter().map(|(_, f)| f.ident);
                let values = json.iter().map(|(i, _)| binding(*i));
                let types = json.iter().map(|(_, f)| f.ty);
                quote! {
                    #decl
                    let __SseJson { #(#names: #values),* } =
                        #core::json_value::<__SseJson<#(#types),*>>(event.data)?;
                }
            });
            let inits = fields.iter().enumerate().map(|(i, f)| {
                let ident = f.ident;
                if f.role.is_none() && read_json.is_some() {
                    let value = binding(i);
                    quote!(#ident: #value)
                } else {
                    let value = fields::from_event(f.role, f.ty, f.span, event_lt);
                    quote!(#ident: #value)
                }
            });
            quote!({
                #read_json
                ::core::result::Result::Ok(Self::#ident { #(#inits),* })
            })
        }
    }
}

pub(crate) fn expand_from_event(input: &DeriveInput, data: &DataEnum) -> syn::Result<Tokens> {
    let model = parse_model(input, data)?;
    let name = &input.ident;
    let (impl_params, event_lt) = crate::structs::event_lifetime(input)?;
    let (_, ty_generics, _) = input.generics.split_for_impl();
    let where_clause = bounded(
        &input.generics,
        &model,
        &quote!(::sse_core::typed::__private::Deserialize<#event_lt>),
    );
    let (impl_generics, _, _) = impl_params.split_for_impl();
    let arms = model.variants.iter().filter(|v| !v.other).map(|v| {
        let event = &v.event;
        let value = build(v, &event_lt);
        quote!(#event => #value,)
    });
    let fallback = match model.variants.iter().find(|v| v.other) {
        Some(other) => build(other, &event_lt),
        None => quote!(::core::result::Result::Err(::sse_core::TypedError::UnknownEventType(
            ::sse_core::typed::EventTypeName::new(event.event_type),
        ))),
    };
    Ok(quote! {
        impl #impl_generics ::sse_core::FromSseEvent<#event_lt> for #name #ty_generics #where_clause {
            fn from_event(
                event: &::sse_core::Event<#event_lt>,
            ) -> ::core::result::Result<Self, ::sse_core::TypedError> {
                match event.event_type {
                    #(#arms)*
                    _ => #fallback,
                }
            }
        }
    })
}
