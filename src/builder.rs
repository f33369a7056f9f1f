//! Builder setters for the option structs of the public API, which are `#[non_exhaustive]`
//! so that fields can be added without breaking callers.

/// `setters! { Type { field: kind T, ... } }` writes `Type::new()` (the defaults) and one
/// consuming setter per field, named after it: `value` sets a `T` (anything `Into<T>`), `some`
/// sets an `Option<T>` to `Some`, and `list` sets a `Vec<T>` from any iterator.
macro_rules! setters {
    ($ty:ty { $($(#[$doc:meta])* $field:ident: $kind:ident $inner:ty),* $(,)? }) => {
        impl $ty {
            /// The defaults: set what differs with the setters.
            pub fn new() -> Self {
                Self::default()
            }

            $( $(#[$doc])* #[must_use] pub fn $field(mut self, value: $crate::builder::setters!(@arg $kind $inner)) -> Self {
                self.$field = $crate::builder::setters!(@set $kind value);
                self
            } )*
        }
    };
    (@arg value $inner:ty) => { impl Into<$inner> };
    (@arg some $inner:ty) => { impl Into<$inner> };
    (@arg list $inner:ty) => { impl IntoIterator<Item = impl Into<$inner>> };
    (@set value $value:ident) => { $value.into() };
    (@set some $value:ident) => { Some($value.into()) };
    (@set list $value:ident) => { $value.into_iter().map(Into::into).collect() };
}

pub(crate) use setters;
