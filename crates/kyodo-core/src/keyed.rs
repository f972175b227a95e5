//! Enums stored as short English keys and shown with Japanese labels.

/// Declares an enum whose variants have a stable key (stored, sent over the
/// API, used in CSV) and a Japanese label (shown to people).
#[macro_export]
macro_rules! keyed_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = ($key:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $key)] $variant),+
        }

        // Written out rather than derived: the schema lists the keys, as the
        // JSON spells them, with their Japanese labels.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let labels: Vec<String> = [$(concat!("`", $key, "` ", $label)),+].iter().map(|s| (*s).to_owned()).collect();
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($key),+]))
                    .description(Some(labels.join("、")))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// The variant with this key or label (全角/半角 folded), if any.
            pub fn parse(s: &str) -> Option<Self> {
                let s = $crate::text::fold_ascii(s);
                Self::ALL.iter().copied().find(|v| v.key() == s || $crate::text::fold_ascii(v.label()) == s)
            }

            /// `(key, label)` pairs, for select boxes.
            pub fn options() -> Vec<(String, String)> {
                Self::ALL.iter().map(|v| (v.key().to_owned(), v.label().to_owned())).collect()
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                Self::ALL.iter().copied().find(|v| v.key() == s).ok_or_else(|| format!("unknown {}: {s}", stringify!($name)))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}
