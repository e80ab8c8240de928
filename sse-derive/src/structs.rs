//! A struct is one kind of event: its fields map to the frame's fields.

use proc_macro2::{Span, TokenStream as Tokens};
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Error, Fields, LitStr};

use crate::fields::{self, check_all_mapped, with, Field, Role};

struct Model<'a> {
    fields: Vec<Field<'a>>,
    fixed_event: Option<LitStr>,
}

impl Model<'_> {
    fn with(&self, role: Role) -> Option<&Field<'_>> {
        with(&self.fields, role).map(|i| &self.fields[i])
    }
}

fn parse_model(input: &DeriveInput) -> syn::Result<Model<'_>> {
    let not_named = || {
        Error::new(
            input.ident.span(),
            "SSE events can be derived for structs with named fields and for enums",
        )
    };
    let Data::Struct(data) = &input.data else { return Err(not_named()) };
    let Fields::Named(named) = &data.fields else { return Err(not_named()) };

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

    let fields = fields::parse_named(named)?;
    if let (Some(_), Some(i)) = (&fixed_event, with(&fields, Role::Event)) {
        return Err(Error::new(
            fields[i].span,
            "the event type is fixed by `#[sse(event = \"...\")]` on the struct; remove `#[sse(event)]` here",
        ));
    }
    if with(&fields, Role::Data).is_none() {
        if let Some(skipped) = fields.iter().find(|f| f.role == Some(Role::Skip)) {
            return Err(Error::new(
                skipped.span,
                "without a `#[sse(data)]` field the whole value is the JSON data, serialized by \
                 serde: leave this field out with `#[serde(skip)]` instead of `#[sse(skip)]`",
            ));
        }
    }
    check_all_mapped(&fields)?;
    Ok(Model { fields, fixed_event })
}

pub(crate) fn expand_to_frame(input: &DeriveInput) -> syn::Result<Tokens> {
    let model = parse_model(input)?;
    let core = quote!(::sse_core::typed);

    let event = match (&model.fixed_event, model.with(Role::Event)) {
        (Some(lit), _) => quote!(frame.event = ::core::option::Option::Some(#lit);),
        (None, Some(f)) => {
            let ident = f.ident;
            fields::to_frame(Role::Event, f.ty, f.span, &quote!(&self.#ident))
        }
        (None, None) => quote!(),
    };
    let mapped = [Role::Id, Role::Retry].map(|role| {
        model.with(role).map(|f| {
            let ident = f.ident;
            fields::to_frame(role, f.ty, f.span, &quote!(&self.#ident))
        })
    });
    let data = match model.with(Role::Data) {
        None => {
            quote!(frame.data = ::core::option::Option::Some(#core::json_data(self, scratch)?);)
        }
        Some(f) => {
            let ident = f.ident;
            fields::to_frame(Role::Data, f.ty, f.span, &quote!(&self.#ident))
        }
    };
    let body = quote! {
        #event
        #(#mapped)*
        #data
    };
    Ok(fields::impl_to_frame(input, input.generics.where_clause.as_ref(), &body))
}

/// The generics of a `FromSseEvent` impl: the type's own lifetime, or a
/// fresh one added in front; returns the impl generics and that lifetime.
pub(crate) fn event_lifetime(input: &DeriveInput) -> syn::Result<(syn::Generics, syn::Lifetime)> {
    let lifetimes: Vec<_> = input.generics.lifetimes().collect();
    if lifetimes.len() > 1 {
        return Err(Error::new(
            input.generics.span(),
            "FromSseEvent supports at most one lifetime parameter (the parsed event's)",
        ));
    }
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
    Ok((impl_params, event_lt))
}

pub(crate) fn expand_from_event(input: &DeriveInput) -> syn::Result<Tokens> {
    let model = parse_model(input)?;
    let name = &input.ident;
    let core = quote!(::sse_core::typed);
    let (impl_params, event_lt) = event_lifetime(input)?;
    let (_, ty_generics, where_clause) = input.generics.split_for_impl();
    let (impl_generics, _, _) = impl_params.split_for_impl();

    let check_type = model.fixed_event.as_ref().map(|lit| {
        quote!(if event.event_type != #lit {
            return ::core::result::Result::Err(::sse_core::TypedError::WrongEventType);
        })
    });
    let body = if model.with(Role::Data).is_none() {
        quote!(#core::json_value::<Self>(event.data))
    } else {
        let inits = model.fields.iter().map(|f| {
            let ident = f.ident;
            let value = fields::from_event(f.role, f.ty, f.span, &event_lt);
            quote!(#ident: #value)
        });
        quote!(::core::result::Result::Ok(Self { #(#inits),* }))
    };
    Ok(quote! {
        impl #impl_generics ::sse_core::FromSseEvent<#event_lt> for #name #ty_generics #where_clause {
            fn from_event(
                event: &::sse_core::Event<#event_lt>,
            ) -> ::core::result::Result<Self, ::sse_core::TypedError> {
                #check_type
                #body
            }
        }
    })
}
