//! Loading one plugin library: open it, find the entry symbol, check the ABI version, validate
//! and copy the descriptor.
//!
//! Everything the server later needs from the descriptor (names, descriptions, schemas) is
//! copied into owned Rust values at load time, so only the `run` function pointers still point
//! into the library; [`Plugin`] owns the `Library`, and whoever runs a method holds an
//! `Arc<Plugin>`, so the code stays mapped for as long as any call may be executing it.

#![allow(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use podium_plugin_api::abi::{
    PODIUM_ABI_MAJOR, PODIUM_ABI_MINOR, PODIUM_ENTRY_SYMBOL, PodiumEntryFn, PodiumMethodInfo,
    PodiumPluginDescriptor, PodiumRunFn, PodiumStatus, PodiumStr,
};
use sha2::{Digest, Sha256};

/// Why a plugin could not be loaded. Each failure is its own variant so that `GET /v1/plugins`
/// (and tests) can tell them apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The file does not exist.
    #[error("file not found: {0}")]
    FileMissing(PathBuf),
    /// The file exists but the dynamic loader refused it.
    #[error("not a loadable library: {0}")]
    NotALibrary(String),
    /// The library does not export the entry symbol.
    #[error("the library does not export {symbol}")]
    SymbolMissing {
        /// The symbol looked for.
        symbol: String,
    },
    /// Built against another major version of the ABI.
    #[error("ABI major {plugin} is not the host's {host}")]
    WrongMajor {
        /// The plugin's major.
        plugin: u32,
        /// The host's major.
        host: u32,
    },
    /// Built against a newer minor version than the host knows.
    #[error("ABI {major}.{plugin} is newer than the host's {major}.{host}")]
    NewerMinor {
        /// The major (equal on both sides).
        major: u32,
        /// The plugin's minor.
        plugin: u32,
        /// The host's minor.
        host: u32,
    },
    /// The descriptor breaks the ABI's rules (sizes, null pointers, invalid strings or schema).
    #[error("malformed descriptor: {0}")]
    Malformed(String),
    /// The entry symbol panicked (and the plugin caught it at its boundary).
    #[error("the plugin panicked while describing itself")]
    DescribePanicked,
    /// The entry symbol returned another error status.
    #[error("the plugin refused to describe itself (status {0})")]
    DescribeFailed(u32),
    /// A method id is already taken by another loaded plugin.
    #[error("method {id:?} is already provided by plugin {other:?}")]
    DuplicateMethod {
        /// The method id.
        id: String,
        /// The plugin that has it.
        other: String,
    },
}

impl LoadError {
    /// A stable machine-readable name for the variant (used in the API).
    pub fn code(&self) -> &'static str {
        match self {
            LoadError::FileMissing(_) => "file_missing",
            LoadError::NotALibrary(_) => "not_a_library",
            LoadError::SymbolMissing { .. } => "symbol_missing",
            LoadError::WrongMajor { .. } => "wrong_major",
            LoadError::NewerMinor { .. } => "newer_minor",
            LoadError::Malformed(_) => "malformed_descriptor",
            LoadError::DescribePanicked => "describe_panicked",
            LoadError::DescribeFailed(_) => "describe_failed",
            LoadError::DuplicateMethod { .. } => "duplicate_method",
        }
    }
}

/// One method of a loaded plugin.
#[derive(Debug, Clone)]
pub struct MethodInfo {
    /// Identifier, unique across loaded plugins.
    pub id: String,
    /// What it does.
    pub description: String,
    /// JSON Schema of its parameters.
    pub params_schema: serde_json::Value,
    /// `PODIUM_METHOD_*` flags.
    pub flags: u32,
    pub(crate) run: PodiumRunFn,
}

/// A loaded plugin. Dropping the last `Arc<Plugin>` unloads the library.
#[derive(Debug)]
pub struct Plugin {
    /// Plugin name from its descriptor.
    pub name: String,
    /// Plugin version from its descriptor.
    pub version: String,
    /// Where it was loaded from.
    pub path: PathBuf,
    /// SHA-256 of the library file, hex: part of every leaderboard's identity.
    pub file_hash: String,
    /// The ABI version the plugin was built against.
    pub abi: (u32, u32),
    /// Its methods.
    pub methods: Vec<MethodInfo>,
    /// Runs that overran their deadline and had to be abandoned.
    pub(crate) timeouts: AtomicU32,
    // Last: dropped after everything that could point into it.
    _library: libloading::Library,
}

impl Plugin {
    /// How many runs of this plugin were abandoned after their deadline.
    pub fn timeouts(&self) -> u32 {
        self.timeouts.load(Ordering::Relaxed)
    }
}

/// Most methods one plugin may declare (guards against garbage counts).
const MAX_METHODS: usize = 1024;

/// Copies a borrowed string out of the library.
///
/// # Safety
/// `s` must point to `s.len` readable bytes (or be empty).
unsafe fn owned(s: PodiumStr, what: &str) -> Result<String, LoadError> {
    if s.len == 0 {
        return Ok(String::new());
    }
    if s.ptr.is_null() {
        return Err(LoadError::Malformed(format!("{what} is a null pointer")));
    }
    if s.len > 1 << 20 {
        return Err(LoadError::Malformed(format!(
            "{what} is {} bytes long",
            s.len
        )));
    }
    // SAFETY: forwarded to the caller.
    let bytes = unsafe { std::slice::from_raw_parts(s.ptr, s.len) };
    String::from_utf8(bytes.to_vec())
        .map_err(|_| LoadError::Malformed(format!("{what} is not UTF-8")))
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Copies the library to a private path named by its content hash, and returns that path.
///
/// The dynamic loader keys libraries by path: loading a replaced file under the same name would
/// hand back the old code, and overwriting a file that is mapped can crash the process. A
/// private copy per content makes every version of a plugin a distinct library and leaves the
/// plugin directory free to change.
fn private_copy(path: &Path, hash: &str, bytes: &[u8]) -> Result<PathBuf, LoadError> {
    let dir = std::env::temp_dir().join(format!("podium-plugins-{}", std::process::id()));
    let name = path
        .file_name()
        .map_or_else(|| "plugin".into(), |n| n.to_string_lossy().into_owned());
    let copy = dir.join(format!("{}-{name}", &hash[..16]));
    if copy.is_file() {
        return Ok(copy);
    }
    let fail = |e: std::io::Error| {
        LoadError::NotALibrary(format!(
            "cannot stage a private copy of {}: {e}",
            path.display()
        ))
    };
    std::fs::create_dir_all(&dir).map_err(fail)?;
    // A staging name of its own per call: concurrent loads of one library (tests run in
    // threads; a rescan may race a first load) must not write into each other's file.
    static STAGING: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let ticket = STAGING.fetch_add(1, Ordering::Relaxed);
    let staging = dir.join(format!(".{}-{ticket}-{name}.partial", &hash[..16]));
    std::fs::write(&staging, bytes).map_err(fail)?;
    std::fs::rename(&staging, &copy).map_err(fail)?;
    Ok(copy)
}

/// Loads the plugin at `path` (from a private copy; see [`private_copy`]).
pub fn load(path: &Path) -> Result<Plugin, LoadError> {
    if !path.is_file() {
        return Err(LoadError::FileMissing(path.to_path_buf()));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| LoadError::NotALibrary(format!("{}: {e}", path.display())))?;
    let file_hash = hex::encode(Sha256::digest(&bytes));
    let private = private_copy(path, &file_hash, &bytes)?;
    // SAFETY: loading runs the library's initialisers; plugins are trusted code by deployment
    // (the administrator put them in the plugin directory).
    let library = unsafe { libloading::Library::new(&private) }
        .map_err(|e| LoadError::NotALibrary(e.to_string()))?;
    // SAFETY: the symbol's type is fixed by the ABI.
    let entry: PodiumEntryFn = unsafe {
        library
            .get::<PodiumEntryFn>(PODIUM_ENTRY_SYMBOL.as_bytes())
            .map(|symbol| *symbol)
            .map_err(|_| LoadError::SymbolMissing {
                symbol: PODIUM_ENTRY_SYMBOL.to_owned(),
            })?
    };
    let entry = entry.ok_or_else(|| LoadError::SymbolMissing {
        symbol: PODIUM_ENTRY_SYMBOL.to_owned(),
    })?;
    let mut raw: *const PodiumPluginDescriptor = std::ptr::null();
    // SAFETY: the ABI's entry contract; `raw` is a valid out-pointer.
    let status = unsafe { entry(PODIUM_ABI_MAJOR, PODIUM_ABI_MINOR, &mut raw) };
    match status as u32 {
        s if s == PodiumStatus::Ok as u32 => {}
        s if s == PodiumStatus::Panic as u32 => return Err(LoadError::DescribePanicked),
        s => return Err(LoadError::DescribeFailed(s)),
    }
    // SAFETY: a plugin that answered OK points at its static descriptor (or null, refused).
    let Some(descriptor) = (unsafe { raw.as_ref() }) else {
        return Err(LoadError::Malformed(
            "the entry returned a null descriptor".into(),
        ));
    };
    // The first three fields are the same in every version of the ABI: read them first.
    if descriptor.abi_major != PODIUM_ABI_MAJOR {
        return Err(LoadError::WrongMajor {
            plugin: descriptor.abi_major,
            host: PODIUM_ABI_MAJOR,
        });
    }
    if descriptor.abi_minor > PODIUM_ABI_MINOR {
        return Err(LoadError::NewerMinor {
            major: PODIUM_ABI_MAJOR,
            plugin: descriptor.abi_minor,
            host: PODIUM_ABI_MINOR,
        });
    }
    if (descriptor.struct_size as usize) < size_of::<PodiumPluginDescriptor>() {
        return Err(LoadError::Malformed(format!(
            "descriptor struct_size {} is smaller than {} (ABI {PODIUM_ABI_MAJOR}.0)",
            descriptor.struct_size,
            size_of::<PodiumPluginDescriptor>()
        )));
    }
    // SAFETY (strings and method table below): the descriptor is static in the library.
    let name = unsafe { owned(descriptor.name, "the plugin name")? };
    let version = unsafe { owned(descriptor.version, "the plugin version")? };
    if !valid_id(&name) {
        return Err(LoadError::Malformed(format!(
            "plugin name {name:?} must be 1–64 of a-z 0-9 - _"
        )));
    }
    if version.is_empty() {
        return Err(LoadError::Malformed("the plugin version is empty".into()));
    }
    if descriptor.method_count > MAX_METHODS {
        return Err(LoadError::Malformed(format!(
            "{} methods (the limit is {MAX_METHODS})",
            descriptor.method_count
        )));
    }
    if descriptor.method_count > 0 && descriptor.methods.is_null() {
        return Err(LoadError::Malformed(
            "the method table is a null pointer".into(),
        ));
    }
    let table: &[PodiumMethodInfo] = if descriptor.method_count == 0 {
        &[]
    } else {
        // SAFETY: non-null, `method_count` entries of static data.
        unsafe { std::slice::from_raw_parts(descriptor.methods, descriptor.method_count) }
    };
    let mut methods = Vec::with_capacity(table.len());
    for (i, method) in table.iter().enumerate() {
        if (method.struct_size as usize) < size_of::<PodiumMethodInfo>() {
            return Err(LoadError::Malformed(format!(
                "method {i}: struct_size {} is smaller than {}",
                method.struct_size,
                size_of::<PodiumMethodInfo>()
            )));
        }
        // SAFETY: as above.
        let id = unsafe { owned(method.id, "a method id")? };
        if !valid_id(&id) {
            return Err(LoadError::Malformed(format!(
                "method id {id:?} must be 1–64 of a-z 0-9 - _"
            )));
        }
        if method.run.is_none() {
            return Err(LoadError::Malformed(format!("method {id}: run is null")));
        }
        // SAFETY: as above.
        let description = unsafe { owned(method.description, "a method description")? };
        let schema_text = unsafe { owned(method.params_schema, "a params schema")? };
        let params_schema: serde_json::Value = serde_json::from_str(&schema_text)
            .map_err(|e| LoadError::Malformed(format!("method {id}: params schema: {e}")))?;
        if !params_schema.is_object() {
            return Err(LoadError::Malformed(format!(
                "method {id}: the params schema must be a JSON object"
            )));
        }
        if let Err(e) = jsonschema::validator_for(&params_schema) {
            return Err(LoadError::Malformed(format!(
                "method {id}: the params schema is not a valid JSON Schema: {e}"
            )));
        }
        if methods.iter().any(|m: &MethodInfo| m.id == id) {
            return Err(LoadError::Malformed(format!(
                "method {id} is declared twice"
            )));
        }
        methods.push(MethodInfo {
            id,
            description,
            params_schema,
            flags: method.flags,
            run: method.run,
        });
    }
    Ok(Plugin {
        name,
        version,
        path: path.to_path_buf(),
        file_hash,
        abi: (descriptor.abi_major, descriptor.abi_minor),
        methods,
        timeouts: AtomicU32::new(0),
        _library: library,
    })
}
