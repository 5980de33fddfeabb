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
    pub(crate) bt_normalize: wgpu::ComputePipeline,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gpu")
            .field("adapter", &self.describe())
            .finish()
    }
}

impl Gpu {
    /// Opens the first high-performance Vulkan adapter and compiles the kernels.
    pub fn open() -> Result<Gpu, ComputeError> {
        let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
        descriptor.backends = wgpu::Backends::VULKAN;
        let instance = wgpu::Instance::new(descriptor);
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        }))
        .map_err(|e| ComputeError::NoGpu(e.to_string()))?;
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("podium-compute"),
            required_features: wgpu::Features::empty(),
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
        let bt_step = pipeline(bradley_terry::SHADER, "bt_step");
        let bt_normalize = pipeline(bradley_terry::SHADER, "bt_normalize");
        Ok(Gpu {
            info: adapter.get_info(),
            limits,
            device,
            queue,
            pairwise_wins,
            power_step,
            bt_step,
            bt_normalize,
        })
    }

    /// "name (device type, backend)".
    pub fn describe(&self) -> String {
        format!(
            "{} ({:?}, {:?})",
            self.info.name, self.info.device_type, self.info.backend
        )
    }

    /// Whether the adapter is a CPU running shaders (lavapipe): correct, never faster than
    /// the CPU twins.
    pub fn is_software(&self) -> bool {
        self.info.device_type == wgpu::DeviceType::Cpu
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
