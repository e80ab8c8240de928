//! Derive macros for `sse-core`'s typed events; use them through
//! `sse_core` with its `derive` feature, not directly.
//!
//! - `#[derive(SseEvent)]` implements `sse_core::SseEvent`: a struct becomes
//!   one frame.
//! - `#[derive(FromSseEvent)]` implements `sse_core::FromSseEvent`: a parsed
//!   event becomes the struct.
//!
//! Field attributes map fields to SSE fields, as Goa's SSE DSL does:
//! `#[sse(data)]`, `#[sse(event)]`, `#[sse(id)]`, `#[sse(retry)]`, and
//! `#[sse(skip)]` for a field that is not sent. A container attribute
//! `#[sse(event = "name")]` fixes the event type. With no `data` field the
//! whole value is the JSON data. A `data` field of string type is sent as
//! text, any other type as JSON. With a `data` field, every other field must
//! be mapped or skipped, so nothing is dropped silently.
//!
//! Without a `data` field, serde decides what the JSON holds (use
//! `#[serde(skip)]` to leave a field out); mapped fields are then sent both
//! as SSE fields and inside the JSON, and `FromSseEvent` reads the whole
//! value back from the JSON alone.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    parse_macro_input, Data, DeriveInput, Error, Fields, GenericArgument, LitStr, PathArguments,
    Type,
};

/// Implements `sse_core::SseEvent`. See the crate docs for the attributes.
#[proc_macro_derive(SseEvent, attributes(sse))]
pub fn derive_sse_event(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_to_frame(&input).unwrap_or_else(Error::into_compile_error).into()
}

/// Implements `sse_core::FromSseEvent`. See the crate docs for the attributes.
#[proc_macro_derive(FromSseEvent, attributes(sse))]
pub fn derive_from_sse_event(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_from_event(&input).unwrap_or_else(Error::into_compile_error).into()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Data,
    Event,
    Id,
    Retry,
    Skip,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Data => "data",
            Role::Event => "event",
            Role::Id => "id",
            Role::Retry => "retry",
            Role::Skip => "skip",
        }
    }
}

struct Field<'a> {
    ident: &'a syn::Ident,
    ty: &'a Type,
    role: Option<Role>,
    span: Span,
}

struct Model<'a> {
    fields: Vec<Field<'a>>,
    fixed_event: Option<LitStr>,
}

impl Model<'_> {
    fn with(&self, role: Role) -> Option<&Field<'_>> {
        self.fields.iter().find(|f| f.role == Some(role))
    }
}

fn parse_model(input: &DeriveInput) -> syn::Result<Model<'_>> {
    let Data::Struct(data) = &input.data else {
        return Err(Error::new(
            input.ident.span(),
            "SSE events can only be derived for structs with named fields",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(Error::new(
            input.ident.span(),
            "SSE events can only be derived for structs with named fields",
        ));
    };

    let mut fixed_event = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("sse")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("event") {
                fixed_event = Some(meta.value()?.parse::<LitStr>()?);
                Ok(())
            } else {
                Err(meta.error("unknown container attribute; expected `#[sse(event = \"name\")]`"))
            }
        })?;
    }
    if let Some(name) = &fixed_event {
        if name.value().contains(['\r', '\n']) {
            return Err(Error::new(name.span(), "event type must not contain CR or LF"));
        }
    }

    let mut fields = Vec::new();
    for field in &named.named {
        let mut role = None;
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("sse")) {
            attr.parse_nested_meta(|meta| {
                let found = [Role::Data, Role::Event, Role::Id, Role::Retry, Role::Skip]
                    .into_iter()
                    .find(|r| meta.path.is_ident(r.name()))
                    .ok_or_else(|| {
                        meta.error("unknown sse attribute; expected `data`, `event`, `id`, `retry` or `skip`")
                    })?;
                if role.replace(found).is_some() {
                    return Err(meta.error("a field can have only one sse role"));
                }
                Ok(())
            })?;
        }
        let ident = field.ident.as_ref().expect("named field");
        fields.push(Field { ident, ty: &field.ty, role, span: field.span() });
    }

    for role in [Role::Data, Role::Event, Role::Id, Role::Retry] {
        let mut with_role = fields.iter().filter(|f| f.role == Some(role));
        if let (Some(_), Some(second)) = (with_role.next(), with_role.next()) {
            return Err(Error::new(
                second.span,
                format!("only one field can be `#[sse({})]`", role.name()),
            ));
        }
    }
    if let (Some(_), Some(field)) =
        (&fixed_event, fields.iter().find(|f| f.role == Some(Role::Event)))
    {
        return Err(Error::new(
            field.span,
            "the event type is fixed by `#[sse(event = \"...\")]` on the struct; remove `#[sse(event)]` here",
        ));
    }
    if !fields.iter().any(|f| f.role == Some(Role::Data)) {
        if let Some(skipped) = fields.iter().find(|f| f.role == Some(Role::Skip)) {
            return Err(Error::new(
                skipped.span,
                "without a `#[sse(data)]` field the whole value is the JSON data, serialized by \
                 serde: leave this field out with `#[serde(skip)]` instead of `#[sse(skip)]`",
            ));
        }
    }
    if fields.iter().any(|f| f.role == Some(Role::Data)) {
        if let Some(unmapped) = fields.iter().find(|f| f.role.is_none()) {
            return Err(Error::new(
                unmapped.span,
                format!(
                    "field `{}` is not sent: with a `#[sse(data)]` field, map every other field \
                     with `#[sse(event)]`, `#[sse(id)]` or `#[sse(retry)]`, or mark it `#[sse(skip)]`",
                    unmapped.ident
                ),
            ));
        }
    }
    Ok(Model { fields, fixed_event })
}

/// The type inside `Option<...>`, if `ty` is an `Option`.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first()? {
        GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}

/// Whether `ty` is string-like (`String`, `str`, `&str`, `Cow<str>`,
/// `Box<str>`), so a data field of this type is sent as text, not JSON.
fn is_text(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => is_text(&r.elem),
        Type::Path(path) => path.path.segments.last().is_some_and(|s| {
            if s.ident == "Box" {
                // Only `Box<str>`: a box of anything else is JSON.
                return match &s.arguments {
                    PathArguments::AngleBracketed(args) => {
                        matches!(args.args.first(), Some(GenericArgument::Type(inner)) if is_text(inner))
                    }
                    _ => false,
                };
            }
            s.ident == "String" || s.ident == "str" || s.ident == "Cow"
        }),
        Type::Group(g) => is_text(&g.elem),
        Type::Paren(p) => is_text(&p.elem),
        _ => false,
    }
}

fn expand_to_frame(input: &DeriveInput) -> syn::Result<Tokens> {
    let model = parse_model(input)?;
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let core = quote!(::sse_core::typed);

    let event = match (&model.fixed_event, model.with(Role::Event)) {
        (Some(lit), _) => quote!(frame.event = ::core::option::Option::Some(#lit);),
        (None, Some(f)) => {
            let (ident, ty) = (f.ident, f.ty);
            quote_spanned!(f.span=> frame.event = <#ty as #core::SseText>::sse_text(&self.#ident);)
        }
        (None, None) => quote!(),
    };
    let id = model.with(Role::Id).map(|f| {
        let (ident, ty) = (f.ident, f.ty);
        quote_spanned!(f.span=> frame.id = <#ty as #core::SseText>::sse_text(&self.#ident);)
    });
    let retry = model.with(Role::Retry).map(|f| {
        let (ident, ty) = (f.ident, f.ty);
        quote_spanned!(f.span=> frame.retry = <#ty as #core::SseRetry>::sse_retry(&self.#ident);)
    });
    let data = match model.with(Role::Data) {
        None => {
            quote!(frame.data = ::core::option::Option::Some(#core::json_data(self, scratch)?);)
        }
        Some(f) => {
            let (ident, ty) = (f.ident, f.ty);
            let inner = option_inner(ty);
            match inner {
                _ if is_text(ty) || inner.is_some_and(is_text) => {
                    quote_spanned!(f.span=> frame.data = <#ty as #core::SseText>::sse_text(&self.#ident);)
                }
                Some(_) => quote_spanned!(f.span=>
                    if let ::core::option::Option::Some(value) = &self.#ident {
                        frame.data = ::core::option::Option::Some(#core::json_data(value, scratch)?);
                    }
                ),
                None => quote_spanned!(f.span=>
                    frame.data = ::core::option::Option::Some(#core::json_data(&self.#ident, scratch)?);
                ),
            }
        }
    };
    Ok(quote! {
        impl #impl_generics ::sse_core::SseEvent for #name #ty_generics #where_clause {
            fn to_frame<'__sse>(
                &'__sse self,
                scratch: &'__sse mut [u8],
            ) -> ::core::result::Result<::sse_core::Frame<'__sse>, ::sse_core::TypedError> {
                let _ = &scratch;
                let mut frame = ::sse_core::Frame::new();
                #event
                #id
                #retry
                #data
                ::core::result::Result::Ok(frame)
            }
        }
    })
}

fn expand_from_event(input: &DeriveInput) -> syn::Result<Tokens> {
    let model = parse_model(input)?;
    let name = &input.ident;
    let core = quote!(::sse_core::typed);
    let lifetimes: Vec<_> = input.generics.lifetimes().collect();
    if lifetimes.len() > 1 {
        return Err(Error::new(
            input.generics.span(),
            "FromSseEvent supports at most one lifetime parameter (the parsed event's)",
        ));
    }
    let (_, ty_generics, where_clause) = input.generics.split_for_impl();
    // The event lifetime: the struct's own, or a fresh one added in front.
    let mut impl_params = input.generics.clone();
    let event_lt = match lifetimes.first() {
        Some(lt) => lt.lifetime.clone(),
        None => {
            let fresh = syn::Lifetime::new("'__sse", Span::call_site());
            impl_params
                .params
                .insert(0, syn::GenericParam::Lifetime(syn::LifetimeParam::new(fresh.clone())));
            fresh
        }
    };
    let (impl_generics, _, _) = impl_params.split_for_impl();

    let body = if model.with(Role::Data).is_none() {
        quote!(#core::json_value::<Self>(event.data))
    } else {
        let inits = model.fields.iter().map(|f| {
            let (ident, ty) = (f.ident, f.ty);
            let value = match f.role {
                Some(Role::Data) => {
                    let inner = option_inner(ty);
                    if is_text(ty) || inner.is_some_and(is_text) {
                        quote_spanned!(f.span=> <#ty as #core::FromSseText<#event_lt>>::from_sse_text(event.data))
                    } else if let Some(inner) = inner {
                        quote_spanned!(f.span=> if event.data.is_empty() {
                            ::core::option::Option::None
                        } else {
                            ::core::option::Option::Some(#core::json_value::<#inner>(event.data)?)
                        })
                    } else {
                        quote_spanned!(f.span=> #core::json_value::<#ty>(event.data)?)
                    }
                }
                Some(Role::Event) => {
                    quote_spanned!(f.span=> <#ty as #core::FromSseText<#event_lt>>::from_sse_text(event.event_type))
                }
                Some(Role::Id) => {
                    quote_spanned!(f.span=> <#ty as #core::FromSseText<#event_lt>>::from_sse_text(event.id))
                }
                Some(Role::Retry) => {
                    quote_spanned!(f.span=> <#ty as #core::FromSseRetry>::from_sse_retry(event.retry)?)
                }
                Some(Role::Skip) | None => quote_spanned!(f.span=> ::core::default::Default::default()),
            };
            quote!(#ident: #value)
        });
        let check_type = model.fixed_event.as_ref().map(|lit| {
            quote!(if event.event_type != #lit {
                return ::core::result::Result::Err(::sse_core::TypedError::WrongEventType);
            })
        });
        quote!({
            #check_type
            ::core::result::Result::Ok(Self { #(#inits),* })
        })
    };
    let check_whole = if model.with(Role::Data).is_none() {
        model.fixed_event.as_ref().map(|lit| {
            quote!(if event.event_type != #lit {
                return ::core::result::Result::Err(::sse_core::TypedError::WrongEventType);
            })
        })
    } else {
        None
    };
    Ok(quote! {
        impl #impl_generics ::sse_core::FromSseEvent<#event_lt> for #name #ty_generics #where_clause {
            fn from_event(
                event: &::sse_core::Event<#event_lt>,
            ) -> ::core::result::Result<Self, ::sse_core::TypedError> {
                #check_whole
                #body
            }
        }
    })
}
