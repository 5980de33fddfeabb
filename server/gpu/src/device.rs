//! The open GPU: adapter, device and the kernels' compiled pipelines, with the buffer and
//! readback helpers the kernels' host code shares.
//!
//! Vulkan only (Mesa's lavapipe in CI; any Vulkan GPU in production). The device is opened
//! with the adapter's own limits, because wgpu's defaults cap storage bindings far below what
//! a 5,000-model matrix needs. Opening fails cleanly (`NoGpu`) when there is no adapter.

use podium_compute::ComputeError;
use wgpu::util::DeviceExt;

use crate::{bradley_terry, pairwise_wins, stationary};

/// An open GPU with the kernels' pipelines.
pub struct Gpu {
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    limits: wgpu::Limits,
    pub(crate) pairwise_wins: wgpu::ComputePipeline,
    pub(crate) power_step: wgpu::ComputePipeline,
    pub(crate) bt_step: wgpu::ComputePipeline,
    f64_shaders: bool,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gpu")
            .field("adapter", &self.describe())
            .finish()
    }
}

impl Gpu {
    /// Opens the first high-performance Vulkan adapter and compiles the kernels (in f64 where
    /// the adapter has f64 shaders).
    pub fn open() -> Result<Gpu, ComputeError> {
        Gpu::open_with(true)
    }

    /// As [`Gpu::open`], with f64 shaders only when `f64_allowed` (tests use `false` to run the
    /// f32 variants on adapters that have both).
    pub fn open_with(f64_allowed: bool) -> Result<Gpu, ComputeError> {
        let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
        descriptor.backends = wgpu::Backends::VULKAN;
        let instance = wgpu::Instance::new(descriptor);
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        }))
        .map_err(|e| ComputeError::NoGpu(e.to_string()))?;
        let limits = adapter.limits();
        // f64 shaders where the adapter has them (lavapipe and data-centre GPUs do): kernels
        // that iterate to an f64 tolerance then need no CPU finish.
        let f64_shaders = f64_allowed && adapter.features().contains(wgpu::Features::SHADER_F64);
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("podium-compute"),
            required_features: if f64_shaders {
                wgpu::Features::SHADER_F64
            } else {
                wgpu::Features::empty()
            },
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| ComputeError::NoGpu(format!("the adapter opened no device: {e}")))?;
        let pipeline = |source: &str, entry: &str| {
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(entry),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: None,
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let pairwise_wins = pipeline(pairwise_wins::SHADER, "pairwise_wins");
        let power_step = pipeline(stationary::SHADER, "power_step");
        let bt_source = bradley_terry::shader(f64_shaders);
        let bt_step = pipeline(&bt_source, "bt_step");
        Ok(Gpu {
            info: adapter.get_info(),
            limits,
            device,
            queue,
            pairwise_wins,
            power_step,
            bt_step,
            f64_shaders,
        })
    }

    /// "name (device type, backend)".
    pub fn describe(&self) -> String {
        format!(
            "{} ({:?}, {:?}{})",
            self.info.name,
            self.info.device_type,
            self.info.backend,
            if self.f64_shaders { ", f64" } else { "" }
        )
    }

    /// Whether the adapter is a CPU running shaders (lavapipe): correct, never faster than
    /// the CPU twins.
    pub fn is_software(&self) -> bool {
        self.info.device_type == wgpu::DeviceType::Cpu
    }

    /// Whether the kernels that can run in f64 do (the adapter has `SHADER_F64`).
    pub fn has_f64(&self) -> bool {
        self.f64_shaders
    }

    /// Largest storage buffer binding, in bytes.
    pub(crate) fn max_binding(&self) -> u64 {
        self.limits
            .max_storage_buffer_binding_size
            .min(self.limits.max_buffer_size)
    }

    pub(crate) fn storage(&self, label: &str, contents: &[u8], writable: bool) -> wgpu::Buffer {
        let mut usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST;
        if writable {
            usage |= wgpu::BufferUsages::COPY_SRC;
        }
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage,
            })
    }

    pub(crate) fn uniform(&self, contents: &[u8]) -> wgpu::Buffer {
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("params"),
                contents,
                usage: wgpu::BufferUsages::UNIFORM,
            })
    }

    /// A bind group of `pipeline`'s group 0 binding each buffer whole, in order from 0.
    pub(crate) fn bind(
        &self,
        pipeline: &wgpu::ComputePipeline,
        buffers: &[&wgpu::Buffer],
    ) -> wgpu::BindGroup {
        let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
            .iter()
            .enumerate()
            .map(|(binding, buffer)| wgpu::BindGroupEntry {
                binding: binding as u32,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        })
    }

    /// Copies `source` back to the CPU (waits for the queue).
    pub(crate) fn read<T: bytemuck::Pod>(
        &self,
        source: &wgpu::Buffer,
        len: usize,
    ) -> Result<Vec<T>, ComputeError> {
        let bytes = (len * size_of::<T>()) as u64;
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = self.device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(source, 0, &staging, 0, bytes);
        self.queue.submit([encoder.finish()]);
        let slice = staging.slice(..);
        let (sender, receiver) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = sender.send(r);
        });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| ComputeError::Device(format!("waiting for the GPU: {e}")))?;
        receiver
            .recv()
            .map_err(|_| ComputeError::Device("the readback never finished".into()))?
            .map_err(|e| ComputeError::Device(format!("mapping the readback: {e}")))?;
        let view = slice
            .get_mapped_range()
            .map_err(|e| ComputeError::Device(format!("reading the readback: {e}")))?;
        let out = bytemuck::cast_slice::<u8, T>(&view).to_vec();
        drop(view);
        staging.unmap();
        Ok(out)
    }
}
