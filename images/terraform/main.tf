# Planetary on the ThreeFold grid: one VM per node, booted from the Planetary flist by zinit.
terraform {
  required_providers {
    grid = {
      source = "threefoldtech/grid"
    }
  }
}

provider "grid" {
  mnemonics = var.mnemonics
  network   = var.network
}

resource "grid_network" "planetary" {
  name          = "planetary"
  description   = "Planetary PNICs"
  nodes         = var.nodes
  ip_range      = "10.40.0.0/16"
  add_wg_access = false
}

resource "grid_deployment" "pnic" {
  count        = length(var.nodes)
  node         = var.nodes[count.index]
  network_name = grid_network.planetary.name

  disks {
    name = "state"
    size = var.disk_gb
  }

  vms {
    name       = "pnic${count.index}"
    flist      = var.flist
    entrypoint = "/sbin/zinit init"
    cpu        = var.cpu
    memory     = var.memory_mb
    planetary  = true
    mounts {
      disk_name   = "state"
      mount_point = "/var/lib/planetary"
    }
    env_vars = {
      # Every PNIC peers the first one over the grid network; add more --peer for more paths.
      PNICD_ARGS = count.index == 0 ? "" : "--peer quic://${var.first_ip}:9651"
    }
  }
}

output "pnic_ips" {
  value = [for d in grid_deployment.pnic : d.vms[0].ip]
}
