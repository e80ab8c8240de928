//! Fields and their SSE roles, shared by structs and struct variants, and
//! the code that moves one value into or out of a frame.

use proc_macro2::{Span, TokenStream as Tokens};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Error, FieldsNamed, GenericArgument, PathArguments, Type};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Data,
    Event,
    Id,
    Retry,
    Skip,
}

impl Role {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Role::Data => "data",
            Role::Event => "event",
            Role::Id => "id",
            Role::Retry => "retry",
            Role::Skip => "skip",
        }
    }
}

pub(crate) struct Field<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) ty: &'a Type,
    pub(crate) role: Option<Role>,
    pub(crate) span: Span,
}

/// The one field with `role`, if any.
pub(crate) fn with(fields: &[Field<'_>], role: Role) -> Option<usize> {
    fields.iter().position(|f| f.role == Some(role))
}

/// The role a field's `#[sse(...)]` attributes give it.
pub(crate) fn role_of(attrs: &[syn::Attribute]) -> syn::Result<Option<Role>> {
    let mut role = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("sse")) {
        attr.parse_nested_meta(|meta| {
            let found = [Role::Data, Role::Event, Role::Id, Role::Retry, Role::Skip]
                .into_iter()
                .find(|r| meta.path.is_ident(r.name()))
                .ok_or_else(|| {
                    meta.error(
                        "unknown sse attribute; expected `data`, `event`, `id`, `retry` or `skip`",
                    )
                })?;
            if role.replace(found).is_some() {
                return Err(meta.error("a field can have only one sse role"));
            }
            Ok(())
        })?;
    }
    Ok(role)
}

/// Named fields with their roles; at most one field per role.
pub(crate) fn parse_named(named: &FieldsNamed) -> syn::Result<Vec<Field<'_>>> {
    let mut fields = Vec::new();
    for field in &named.named {
        let role = role_of(&field.attrs)?;
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
    Ok(fields)
}

/// With a `data` field, every other field must be mapped or skipped.
pub(crate) fn check_all_mapped(fields: &[Field<'_>]) -> syn::Result<()> {
    if with(fields, Role::Data).is_none() {
        return Ok(());
    }
    match fields.iter().find(|f| f.role.is_none()) {
        Some(unmapped) => Err(Error::new(
            unmapped.span,
            format!(
                "field `{}` is not sent: with a `#[sse(data)]` field, map every other field \
                 with `#[sse(event)]`, `#[sse(id)]` or `#[sse(retry)]`, or mark it `#[sse(skip)]`",
                unmapped.ident
            ),
        )),
        None => Ok(()),
    }
}

/// The type inside `Option<...>`, if `ty` is an `Option`.
pub(crate) fn option_inner(ty: &Type) -> Option<&Type> {
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
/// Decided from how the type is written: a type of another crate that is
/// also called `String` (`heapless::String<N>`) has type arguments and is
/// JSON.
pub(crate) fn is_text(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => is_text(&r.elem),
        Type::Path(path) => path.path.segments.last().is_some_and(|s| {
            let args = match &s.arguments {
                PathArguments::None => None,
                PathArguments::AngleBracketed(args) => Some(args),
                PathArguments::Parenthesized(_) => return false,
            };
            // The type argument, for `Box<str>` and `Cow<'_, str>`.
            let of_str = || {
                args.is_some_and(|args| {
                    args.args.iter().any(|a| matches!(a, GenericArgument::Type(t) if is_str(t)))
                })
            };
            match s.ident.to_string().as_str() {
                "String" | "str" => args.is_none(),
                "Box" | "Cow" => of_str(),
                _ => false,
            }
        }),
        Type::Group(g) => is_text(&g.elem),
        Type::Paren(p) => is_text(&p.elem),
        _ => false,
    }
}

/// Whether `ty` is `str` itself.
fn is_str(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("str"))
}

fn core() -> Tokens {
    quote!(::sse_core::typed)
}

/// Sets `frame.<role>` from `value`, a reference to a field of type `ty`.
pub(crate) fn to_frame(role: Role, ty: &Type, span: Span, value: &Tokens) -> Tokens {
    let core = core();
    match role {
        Role::Event => {
            quote_spanned!(span=> frame.event = <#ty as #core::SseText>::sse_text(#value);)
        }
        Role::Id => quote_spanned!(span=> frame.id = <#ty as #core::SseText>::sse_text(#value);),
        Role::Retry => {
            quote_spanned!(span=> frame.retry = <#ty as #core::SseRetry>::sse_retry(#value);)
        }
        Role::Data => {
            let inner = option_inner(ty);
            match inner {
                _ if is_text(ty) || inner.is_some_and(is_text) => {
                    quote_spanned!(span=> frame.data = <#ty as #core::SseText>::sse_text(#value);)
                }
                // The type named, so an error points at the field's type.
                Some(inner) => quote_spanned!(span=>
                    if let ::core::option::Option::Some(value) = #value {
                        frame.data = ::core::option::Option::Some(#core::json_data::<#inner>(value, scratch)?);
                    }
                ),
                None => quote_spanned!(span=>
                    frame.data = ::core::option::Option::Some(#core::json_data::<#ty>(#value, scratch)?);
                ),
            }
        }
        Role::Skip => quote!(),
    }
}

/// The value of a field of type `ty` with `role`, read from `event`.
pub(crate) fn from_event(
    role: Option<Role>,
    ty: &Type,
    span: Span,
    event_lt: &syn::Lifetime,
) -> Tokens {
    let core = core();
    let text = |source: Tokens| quote_spanned!(span=> <#ty as #core::FromSseText<#event_lt>>::from_sse_text(#source));
    match role {
        Some(Role::Data) => {
            let inner = option_inner(ty);
            if is_text(ty) || inner.is_some_and(is_text) {
                text(quote!(event.data))
            } else if let Some(inner) = inner {
                quote_spanned!(span=> if event.data.is_empty() {
                    ::core::option::Option::None
                } else {
                    ::core::option::Option::Some(#core::json_value::<#inner>(event.data)?)
                })
            } else {
                quote_spanned!(span=> #core::json_value::<#ty>(event.data)?)
            }
        }
        Some(Role::Event) => text(quote!(event.event_type)),
        Some(Role::Id) => text(quote!(event.id)),
        Some(Role::Retry) => {
            quote_spanned!(span=> <#ty as #core::FromSseRetry>::from_sse_retry(event.retry)?)
        }
        Some(Role::Skip) | None => quote_spanned!(span=> ::core::default::Default::default()),
    }
}

/// `impl SseEvent for` the type: `body` fills `frame` (a fresh
/// `Frame`) using `self` and `scratch`.
pub(crate) fn impl_to_frame(
    input: &syn::DeriveInput,
    where_clause: Option<&syn::WhereClause>,
    body: &Tokens,
) -> Tokens {
    let name = &input.ident;
    let (impl_generics, ty_generics, _) = input.generics.split_for_impl();
    quote! {
        impl #impl_generics ::sse_core::SseEvent for #name #ty_generics #where_clause {
            // An enum whose only variant cannot be sent returns in every arm.
            #[allow(unreachable_code)]
            fn to_frame<'__sse>(
                &'__sse self,
                scratch: &'__sse mut [u8],
            ) -> ::core::result::Result<::sse_core::Frame<'__sse>, ::sse_core::TypedError> {
                let _ = &scratch;
                let mut frame = ::sse_core::Frame::new();
                #body
                ::core::result::Result::Ok(frame)
            }
        }
    }
}
